import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const library = fileURLToPath(new URL('../../dist/src/package/index.js', import.meta.url));

/**
 * Runs in a child process so that its RSS is the reader's alone: a writer streams ~300 MB of
 * content into a file, then a reader checks every row (~290 MB); the child reports RSS once 10% of the
 * rows are read (everything warmed up) and the peak after that.
 */
const child = `
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { createPackageWriter, readPackageBatches } from ${JSON.stringify(library)};
const rowCount = 300_000;
const filler = 'lorem ipsum dolor sit amet '.repeat(40);
const dir = mkdtempSync(join(tmpdir(), 'bounded-memory-'));
const file = join(dir, 'big.acpkg');
const pipe = createWriteStream(file);
const manifest = {
  direction: 'download', channelId: 'big', sequence: 1, job: { id: 'J', name: 'memory' }, dataGroup: 'g',
  kind: 'full', createdAt: '2026-11-27T00:00:00Z', producer: 'test',
  tables: [{ name: 'Big', columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'text', type: 'string', nullable: false }],
    primaryKey: ['id'], upsertCount: rowCount, deleteCount: 0 }],
};
function* rows() {
  for (let i = 0; i < rowCount; i++) yield { op: 'upsert', values: [i, i.toString(36) + filler.slice(i % 97, 1000)] };
}
const writer = createPackageWriter(manifest, pipe, { compressionLevel: 1 });
await writer.writeRows('Big', rows());
await writer.end();
await finished(pipe);
let seen = 0, chars = 0, warm = 0, peak = 0;
for await (const batch of readPackageBatches(file)) {
  seen += batch.rows.length;
  for (const row of batch.rows) chars += row.values[1].length;
  const rss = process.memoryUsage().rss;
  if (warm === 0 && seen >= rowCount / 10) warm = rss;
  if (warm !== 0) peak = Math.max(peak, rss);
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ seen, chars, warm, peak }));
`;

describe('reading a package far bigger than the memory it may use', () => {
  it('keeps RSS flat while ~290 MB of content streams through', () => {
    expect(existsSync(library)).toBe(true); // npm test builds dist/ before jest runs
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const { seen, chars, warm, peak } = JSON.parse(output) as { seen: number; chars: number; warm: number; peak: number };
    expect(seen).toBe(300_000);
    expect(chars).toBeGreaterThan(280_000_000);
    const growthMb = (peak - warm) / 2 ** 20;
    expect(growthMb).toBeLessThan(64);
  }, 180_000);
});
