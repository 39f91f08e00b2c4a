import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createPackageWriter, packageFileName, type TableSpec } from '../../package/index.js';
import { AsyncClientError } from '../../errors.js';
import { parseCommandArgs } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { packageVersion } from '../version.js';
import { AtomicFile } from './atomic-file.js';
import { loadPackSpec, type PackFlags } from './pack-spec.js';
import { Progress } from './progress.js';
import { readTableFile } from './table-input.js';
import { requireOption } from './usage.js';

export const packCommand: CliCommand = {
  name: 'package pack',
  summary: 'build a package from CSV or JSON Lines files',
  help: `Usage: async-client package pack --manifest SPEC.yaml [--table NAME=FILE ...] --out PATH [options]

Builds a package from one CSV or JSON Lines file per table. SPEC.yaml holds the manifest
fields and, per table, the columns with their types, the primary key and the input file
(relative to the YAML); flags override the manifest fields. See docs/package-format.md,
"Package tools", for the spec and how CSV and JSON Lines values are typed. Input files are
read twice: once to count and check the rows, once to write them.

Options:
  --manifest FILE      the spec YAML
  --table NAME=FILE    input file of table NAME (*.csv, *.jsonl, *.ndjson); overrides the spec
  --out PATH           the package file, or an existing folder to write <channel>_<direction>_<sequence>.acpkg into
  --sign-key PEM       HQ's Ed25519 private key: sign the package
  --channel ID  --direction download|upload  --sequence N  --job-id ID  --job-name NAME
  --data-group NAME  --kind full|incremental  --producer TEXT  --created-at ISO
                       manifest fields (override the spec)
  -h, --help           this text

The package is written to a temporary name and renamed when complete. Exit codes: 0 written,
1 failed (nothing is left at the output path), 2 usage error.
`,
  async run(args, io) {
    const parsed = parseCommandArgs(packCommand, args, io, {
      manifest: { type: 'string' },
      table: { type: 'string', multiple: true },
      out: { type: 'string' },
      'sign-key': { type: 'string' },
      channel: { type: 'string' },
      direction: { type: 'string' },
      sequence: { type: 'string' },
      'job-id': { type: 'string' },
      'job-name': { type: 'string' },
      'data-group': { type: 'string' },
      kind: { type: 'string' },
      producer: { type: 'string' },
      'created-at': { type: 'string' },
    });
    if (typeof parsed === 'number') return parsed;
    const { values } = parsed;
    const out = resolve(io.cwd, requireOption(values.out, '--out'));
    const spec = await loadPackSpec(values as PackFlags, io.cwd, `async-client ${packageVersion()} package pack`);
    const signingKey = values['sign-key'] === undefined ? undefined : await readFile(resolve(io.cwd, values['sign-key']), 'utf8');

    const counting = new Progress(io.stderr, 'checking input');
    const tables: TableSpec[] = [];
    for (const { schema, file } of spec.tables) {
      let upsertCount = 0;
      let deleteCount = 0;
      for await (const row of readTableFile(file, schema)) {
        if (row.op === 'upsert') upsertCount++;
        else deleteCount++;
        counting.addRows(1);
      }
      tables.push({ ...schema, upsertCount, deleteCount });
    }
    counting.done();

    const manifest = { ...spec.manifest, tables };
    const isDirectory = await stat(out).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const target = new AtomicFile(isDirectory ? resolve(out, packageFileName(manifest)) : out);
    const progress = new Progress(io.stderr, 'packing');
    try {
      const writer = createPackageWriter(manifest, target.stream, signingKey === undefined ? {} : { signingKey });
      for (const { schema, file } of spec.tables) {
        await writer.writeRows(schema.name, countRows(readTableFile(file, schema), progress, target)).catch((error: unknown) => {
          throw error instanceof AsyncClientError && error.code.startsWith('E_PACKAGE_')
            ? new AsyncClientError(error.code, `${file}: ${error.message.replace(/^package writer: /, '')}`, error.details)
            : error;
        });
      }
      const written = await writer.end();
      await target.commit();
      progress.done();
      const rows = tables.reduce((sum, table) => sum + table.upsertCount + table.deleteCount, 0);
      io.stdout.write(
        `${target.path}: ${rows} rows in ${tables.length} tables, ${written.fileBytes} bytes, sha256 ${written.sha256}${written.signed ? ', signed' : ''}\n`,
      );
      return ExitCode.ok;
    } catch (error) {
      progress.done();
      await target.discard();
      throw error;
    }
  },
};

async function* countRows<T>(rows: AsyncIterable<T>, progress: Progress, target: AtomicFile): AsyncGenerator<T> {
  for await (const row of rows) {
    progress.addRows(1);
    progress.setBytes(target.stream.bytesWritten);
    yield row;
  }
}
