import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { assemblePackage } from '../../package/assembled-package.js';
import { packageFileName } from '../../package/index.js';
import { parseCommandArgs } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { packageVersion } from '../version.js';
import { AtomicFile } from '../../local-files/atomic-file.js';
import { loadPackSpec, PACK_SPEC_OPTIONS, type PackFlags } from './pack-spec.js';
import { Progress } from './progress.js';
import { withSpooledTables } from './spooled-tables.js';
import { requireOption } from './usage.js';

export const packCommand: CliCommand = {
  name: 'package pack',
  summary: 'build a package from CSV or JSON Lines files',
  help: `Usage: async-client package pack --manifest SPEC.yaml [--table NAME=FILE ...] --out PATH [options]

Builds a package from one CSV or JSON Lines file per table. SPEC.yaml holds the manifest
fields and, per table, the columns with their types, the primary key and the input file
(relative to the YAML); flags override the manifest fields. See docs/package-format.md,
"Package tools", for the spec and how CSV and JSON Lines values are typed. Input files are
read once: every row is checked and compressed into a temporary spool, and the package is
written from it only when all rows passed.

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
      ...PACK_SPEC_OPTIONS,
      out: { type: 'string' },
      channel: { type: 'string' },
      direction: { type: 'string' },
      sequence: { type: 'string' },
    });
    if (typeof parsed === 'number') return parsed;
    const { values } = parsed;
    const out = resolve(io.cwd, requireOption(values.out, '--out'));
    const spec = await loadPackSpec(values as PackFlags, io.cwd, `async-client ${packageVersion()} package pack`);
    const signingKey = values['sign-key'] === undefined ? undefined : await readFile(resolve(io.cwd, values['sign-key']), 'utf8');

    const isDirectory = await stat(out).then(
      (s) => s.isDirectory(),
      () => false,
    );
    return withSpooledTables(spec, new Progress(io.stderr, 'packing'), async (body, tables) => {
      const manifest = { ...spec.manifest, tables };
      const target = new AtomicFile(isDirectory ? resolve(out, packageFileName(manifest)) : out);
      try {
        // The file's own SHA-256 (what a store's journal records), taken on the way out.
        const fileHash = createHash('sha256');
        const written = await assemblePackage(manifest, body, signingKey).writeTo((chunk) => {
          fileHash.update(chunk);
          return new Promise((done, fail) => target.stream.write(chunk, (error) => (error ? fail(error) : done())));
        });
        await target.commit();
        const rows = tables.reduce((sum, table) => sum + table.upsertCount + table.deleteCount, 0);
        io.stdout.write(
          `${target.path}: ${rows} rows in ${tables.length} tables, ${written.fileBytes} bytes, file sha256 ${fileHash.digest('hex')}, body sha256 ${written.sha256}${written.signed ? ', signed' : ''}\n`,
        );
        return ExitCode.ok;
      } catch (error) {
        await target.discard();
        throw error;
      }
    });
  },
};
