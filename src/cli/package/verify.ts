import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { verifyPackage, type Direction } from '../../package/index.js';
import { parseCommandArgs } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { Progress } from './progress.js';
import { countingSource } from './read-source.js';
import { describeFailure, singlePositional, UsageError } from './usage.js';

export const verifyCommand: CliCommand = {
  name: 'package verify',
  summary: 'check a package completely; the exit code says the result',
  help: `Usage: async-client package verify FILE [--public-key PEM] [--channel ID] [--direction D] [--check-name]

Reads the whole package and checks everything a store checks before applying it: frame,
SHA-256, signature (with --public-key: an unsigned or wrongly signed package is invalid),
manifest, every row's shape and value types, counts, duplicate primary keys.

Options:
  --public-key PEM   HQ's public key file; the package must be signed with its private key
  --channel ID       the package must be for this channel
  --direction D      the package must be a download or upload package
  --check-name       the file name must be the one the manifest gives (channel_direction_sequence.acpkg)
  -h, --help         this text

Exit codes: 0 valid, 1 invalid (the reason is printed with its error code), 2 usage error.
`,
  async run(args, io) {
    const parsed = parseCommandArgs(verifyCommand, args, io, {
      'public-key': { type: 'string' },
      channel: { type: 'string' },
      direction: { type: 'string' },
      'check-name': { type: 'boolean', default: false },
    });
    if (typeof parsed === 'number') return parsed;
    const { values, positionals } = parsed;
    const path = resolve(io.cwd, singlePositional(positionals, 'package file'));
    const direction = values.direction;
    if (direction !== undefined && direction !== 'download' && direction !== 'upload') {
      throw new UsageError(`--direction must be download or upload, got ${direction}`);
    }
    const publicKey = values['public-key'] === undefined ? undefined : await readFile(resolve(io.cwd, values['public-key']), 'utf8');
    const progress = new Progress(io.stderr, 'verifying');
    try {
      const reading = countingSource(path, progress);
      const verified = await verifyPackage(reading.source, {
        label: path,
        ...(publicKey === undefined ? {} : { publicKey }),
        ...(values.channel === undefined ? {} : { expectedChannelId: values.channel }),
        ...(direction === undefined ? {} : { expectedDirection: direction as Direction }),
        ...(values['check-name'] === true ? { expectedFileName: basename(path) } : {}),
      });
      progress.done();
      const rows = verified.manifest.tables.reduce((sum, table) => sum + table.upsertCount + table.deleteCount, 0);
      io.stdout.write(
        `valid: ${path}: ${verified.manifest.tables.length} tables, ${rows} rows, body sha256 ${verified.sha256}, file sha256 ${reading.fileSha256()}, signature ${verified.signature}\n`,
      );
      return ExitCode.ok;
    } catch (error) {
      progress.done();
      io.stderr.write(`invalid: ${describeFailure(error)}\n`);
      return ExitCode.failure;
    }
  },
};
