import { resolve } from 'node:path';
import { FORMAT_NAME, verifyPackage, type VerifiedPackage } from '../../package/index.js';
import { parseCommandArgs } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { Progress } from './progress.js';
import { countingSource } from './read-source.js';
import { singlePositional } from './usage.js';

export const inspectCommand: CliCommand = {
  name: 'package inspect',
  summary: "show a package's manifest and counts",
  help: `Usage: async-client package inspect FILE [--json]

Verifies the package (as package verify, without a pinned key) and prints its manifest: format
version, channel, direction, sequence, job, data group, kind, created time, producer, and per
table the columns, primary key and row counts, plus the SHA-256 and whether it is signed.

Options:
  --json       print one JSON object instead of text
  -h, --help   this text

Exit codes: 0 shown, 1 the file is not a valid package (the reason is printed), 2 usage error.
`,
  async run(args, io) {
    const parsed = parseCommandArgs(inspectCommand, args, io, {
      json: { type: 'boolean', default: false },
    });
    if (typeof parsed === 'number') return parsed;
    const { values, positionals } = parsed;
    const path = resolve(io.cwd, singlePositional(positionals, 'package file'));
    const progress = new Progress(io.stderr, 'reading');
    try {
      const reading = countingSource(path, progress);
      const { sha256: bodySha256, ...verified } = await verifyPackage(reading.source, { label: path });
      progress.done();
      const manifest = { format: FORMAT_NAME, ...verified.manifest };
      const hashes = { bodySha256, fileSha256: reading.fileSha256() };
      io.stdout.write(
        values.json === true
          ? `${JSON.stringify({ file: path, ...verified, ...hashes, manifest }, null, 2)}\n`
          : describe(path, verified, hashes),
      );
      return ExitCode.ok;
    } finally {
      progress.done();
    }
  },
};

function describe(path: string, verified: Omit<VerifiedPackage, 'sha256'>, hashes: { bodySha256: string; fileSha256: string }): string {
  const m = verified.manifest;
  const lines = [
    `file:        ${path} (${verified.fileBytes} bytes)`,
    `format:      ${FORMAT_NAME} ${m.formatVersion}`,
    `channel:     ${m.channelId} (${m.direction}, sequence ${m.sequence})`,
    `job:         ${m.job.id} ${m.job.name}`,
    `data group:  ${m.dataGroup}`,
    `kind:        ${m.kind}`,
    `created:     ${m.createdAt} by ${m.producer}`,
    `body sha256: ${hashes.bodySha256} (the trailer's, of the compressed body)`,
    `file sha256: ${hashes.fileSha256} (of the whole file, as the session journal and sha256sum have it)`,
    `signature:   ${verified.signature}`,
    'tables:',
  ];
  for (const table of m.tables) {
    lines.push(`  ${table.name}: ${table.upsertCount} upserts, ${table.deleteCount} deletes; key (${table.primaryKey.join(', ')})`);
    for (const column of table.columns) lines.push(`    ${column.name} ${column.type}${column.nullable ? ' null' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
