import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { readPackageBatches, type PackageManifest } from '../../package/index.js';
import { parseCommandArgs } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { AtomicFile, writeFileAtomically } from '../../local-files/atomic-file.js';
import { Progress } from './progress.js';
import { countingSource } from './read-source.js';
import { createTableWriter, type TableWriter } from './table-output.js';
import { requireOption, singlePositional, UsageError } from './usage.js';

export const unpackCommand: CliCommand = {
  name: 'package unpack',
  summary: 'write a package back out as one file per table',
  help: `Usage: async-client package unpack FILE --out DIR [--format jsonl|csv] [--public-key PEM]

Verifies the package while reading it and writes DIR/<table>.jsonl (or .csv) per table plus
DIR/manifest.yaml, a spec that package pack reads back to rebuild the package. Each file is
written to a temporary name and renamed only once the whole package has been verified, so
a damaged package leaves no output at all.

Options:
  --out DIR          output folder (created if missing)
  --format F         jsonl (default) or csv
  --public-key PEM   refuse the package unless signed with HQ's key
  -h, --help         this text

Exit codes: 0 written, 1 failed (nothing written), 2 usage error.
`,
  async run(args, io) {
    const parsed = parseCommandArgs(unpackCommand, args, io, {
      out: { type: 'string' },
      format: { type: 'string', default: 'jsonl' },
      'public-key': { type: 'string' },
    });
    if (typeof parsed === 'number') return parsed;
    const { values, positionals } = parsed;
    const path = resolve(io.cwd, singlePositional(positionals, 'package file'));
    const dir = resolve(io.cwd, requireOption(values.out, '--out'));
    const format = values.format;
    if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format must be jsonl or csv, got ${format}`);
    const publicKey = values['public-key'] === undefined ? undefined : await readFile(resolve(io.cwd, values['public-key']), 'utf8');
    await mkdir(dir, { recursive: true });

    const progress = new Progress(io.stderr, 'unpacking');
    const files = new Map<string, { file: AtomicFile; writer: TableWriter }>();
    try {
      const scan = readPackageBatches(countingSource(path, progress).source, {
        label: path,
        ...(publicKey === undefined ? {} : { publicKey }),
      });
      let next = await scan.next();
      for (; next.done !== true; next = await scan.next()) {
        const batch = next.value;
        let target = files.get(batch.table.name);
        if (target === undefined) {
          const file = new AtomicFile(resolve(dir, `${batch.table.name}.${format}`));
          target = { file, writer: createTableWriter(format, batch.table, file.stream) };
          files.set(batch.table.name, target);
        }
        await target.writer.write(batch.rows);
        progress.addRows(batch.rows.length);
      }
      const manifest = next.value.manifest;
      for (const table of manifest.tables) {
        if (!files.has(table.name)) {
          const file = new AtomicFile(resolve(dir, `${table.name}.${format}`));
          files.set(table.name, { file, writer: createTableWriter(format, table, file.stream) });
        }
      }
      for (const { writer } of files.values()) await writer.end();
      for (const { file } of files.values()) await file.commit();
      await writeFileAtomically(resolve(dir, 'manifest.yaml'), toYaml(specOf(manifest, format)));
      progress.done();
      io.stdout.write(`${dir}: ${manifest.tables.length} tables and manifest.yaml from ${path}\n`);
      return ExitCode.ok;
    } catch (error) {
      progress.done();
      await Promise.all([...files.values()].map(({ file }) => file.discard()));
      throw error;
    }
  },
};

/** The manifest as a pack spec: everything but counts, with each table's file. */
function specOf(manifest: PackageManifest, format: string): Record<string, unknown> {
  const { formatVersion, tables, ...fields } = manifest;
  return {
    ...fields,
    tables: tables.map(({ upsertCount, deleteCount, ...table }) => ({ ...table, file: `${table.name}.${format}` })),
  };
}
