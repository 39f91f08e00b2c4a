import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DAEMON_ENVIRONMENT, DAEMON_NODE_FLAGS } from '../../src/daemon/node-start.js';

const dist = fileURLToPath(new URL('../../dist/src/', import.meta.url));

/**
 * Runs in a child process started as the daemon is, so that its peak RSS is the apply's alone:
 * writes a package of `rows` rows of `size`-character strings (hundreds of MB in all), then applies
 * it to a new SQLite channel database and reports how far the peak RSS rose above the RSS before
 * the apply, and what the table holds.
 */
const child = `
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { createPackageWriter, readPackageBatches } from ${JSON.stringify(`${dist}package/index.js`)};
import { openSqliteChannelDatabase } from ${JSON.stringify(`${dist}channel/sqlite-channel-database.js`)};
const [rows, size, writerThread] = [Number(process.argv[1]), Number(process.argv[2]), process.argv[3] === 'thread'];
const dir = mkdtempSync(join(tmpdir(), 'async-client-large-values-'));
try {
  const spec = { name: 'picture', columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'body', type: 'string', nullable: false }],
    primaryKey: ['id'], upsertCount: rows, deleteCount: 0 };
  const manifest = { direction: 'download', channelId: 'store-1', sequence: 1, job: { id: 'J', name: 'pictures' }, dataGroup: 'g',
    kind: 'full', createdAt: '2026-12-02T00:00:00Z', producer: 'test', tables: [spec] };
  const file = join(dir, 'pictures.acpkg');
  const pipe = createWriteStream(file);
  const writer = createPackageWriter(manifest, pipe, { compressionLevel: 1 });
  const filler = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(size / 27) + 1);
  await writer.writeRows('picture', (function* () {
    for (let i = 0; i < rows; i++) yield { op: 'upsert', values: [i, filler.slice(i % 27, (i % 27) + size)] };
  })());
  await writer.end();
  await finished(pipe);
  const db = await openSqliteChannelDatabase(join(dir, 'channel.db'), { channelId: 'store-1', minFreeBytes: 0, writerThread });
  await db.migrate();
  const session = await db.downloads.record({ sequence: 1, jobId: 'J', fileName: 'store-1-download-00000001.pkg', size: 1, checksum: 'a'.repeat(64) });
  const kb = (field) => Number(new RegExp(field + ':\\\\s+(\\\\d+)').exec(readFileSync('/proc/self/status', 'utf8'))[1]);
  // Writing the package had its own peak: the kernel's count starts again here.
  writeFileSync('/proc/self/clear_refs', '5');
  const before = kb('VmRSS');
  await db.applyPackage(manifest, readPackageBatches(file), { sessionId: session.id, allowCreateTables: true });
  const growthMb = (kb('VmHWM') - before) / 1024;
  await db.close();
  const stored = new Database(join(dir, 'channel.db'), { readonly: true }).prepare('SELECT COUNT(*) AS rows, SUM(LENGTH(body)) AS chars FROM picture').get();
  process.stdout.write(JSON.stringify({ growthMb, ...stored }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
`;

function applyInChild(rows: number, size: number, writer: 'thread' | 'main'): { growthMb: number; rows: number; chars: number } {
  const output = execFileSync(
    process.execPath,
    [...DAEMON_NODE_FLAGS, '--input-type=module', '-e', child, String(rows), String(size), writer],
    {
      encoding: 'utf8',
      env: { ...process.env, ...DAEMON_ENVIRONMENT },
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(output) as { growthMb: number; rows: number; chars: number };
}

describe('SQLite: a package of large values', () => {
  beforeAll(() => {
    expect(existsSync(dist)).toBe(true); // npm test builds dist/ before jest runs
  });

  // 400 to 500 MB of values: held until their transaction, a few thousand rows of them would be in memory at once.
  it.each([
    ['few rows of 1 MB, read ahead as a small package would be', 400, 1_000_000, 'thread'],
    ['thousands of rows of 40 KB, written by the writer thread', 10_000, 40_000, 'thread'],
    // Larger rows: the main thread writes each transaction as it comes, so only 2,048 of them at once would be too many.
    ['thousands of rows of 100 KB, written by the main thread', 5_000, 100_000, 'main'],
  ] as const)(
    '%s: memory does not follow the package',
    (_label, rows, size, writer) => {
      const applied = applyInChild(rows, size, writer);
      expect(applied).toMatchObject({ rows, chars: rows * size });
      expect(applied.growthMb).toBeLessThan(200);
    },
    180_000,
  );
});
