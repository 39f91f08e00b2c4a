import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import { openSqliteChannelDatabase } from '../../src/channel/sqlite-channel-database.js';
import type { RowBatch } from '../../src/package/types.js';
import { canMount, mountTmpfs, remountReadOnly, unmount } from '../support/mounts.js';
import { manifest, seen, table, upserts } from './fixtures.js';

const NOTE = table(
  'note',
  [
    ['id', 'integer', false],
    ['text', 'string'],
  ],
  ['id'],
);

async function* notes(count: number, bytesEach: number): AsyncIterable<RowBatch> {
  for (let start = 0; start < count; start += 500) {
    yield upserts(
      NOTE,
      Array.from({ length: Math.min(500, count - start) }, (_, i) => [start + i, 'x'.repeat(bytesEach)]),
    );
  }
}

/** chmod cannot stop root, so real limits come from a size-limited tmpfs that can be remounted read-only. */
(canMount ? describe : describe.skip)('SQLite channel database on a real small mount (needs root)', () => {
  let folder: string;
  let file: string;
  let mounted = false;
  let db: ChannelDatabase | undefined;

  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'async-client-channel-mount-'));
    await mountTmpfs(folder, 2 * 1024 * 1024);
    mounted = true;
    file = path.join(folder, 'channel.db');
    db = await openSqliteChannelDatabase(file, { channelId: 'store-1', minFreeBytes: 0 });
    await db.migrate();
  });
  afterEach(async () => {
    await db?.close();
    db = undefined;
    if (mounted) await unmount(folder);
    mounted = false;
    await rm(folder, { recursive: true, force: true });
  });

  // The manifest's counts choose the path: one transaction for a small package, a shadow table written by the writer thread for a large one.
  test.each([
    ['written in one transaction', NOTE],
    ['streamed through a shadow table', { ...NOTE, upsertCount: 20_000 }],
  ])(
    'a full disk during apply (%s) gives E_DATABASE_FULL, a clean rollback, and a journal that still takes the failure',
    async (_, spec) => {
      const open = db as ChannelDatabase;
      const session = await seen(open, 1);
      await expect(
        open.applyPackage(manifest(1, 'full', [spec]), notes(20_000, 200), { sessionId: session.id, allowCreateTables: true }),
      ).rejects.toMatchObject({ code: 'E_DATABASE_FULL', message: expect.stringContaining(file) });
      const failed = await open.downloads.markApplyFailed(session.id, { code: 'E_DATABASE_FULL', message: 'disk full' }, null);
      expect(failed).toMatchObject({ status: 'ApplyFailed', tries: 1 });
      await open.close();
      db = await openSqliteChannelDatabase(file, { channelId: 'store-1', minFreeBytes: 0 });
      expect(await db.downloads.find(session.id)).toMatchObject({ status: 'ApplyFailed', appliedAt: null });
      await expect(db.uploads.describeTable({ table: 'note', counterColumn: 'id' })).rejects.toMatchObject({
        code: 'E_UPLOAD_TABLE_MISSING',
      });
      await expect(
        db.applyPackage(manifest(1, 'full', [NOTE]), notes(10, 10), { sessionId: session.id, allowCreateTables: true }),
      ).resolves.toEqual({ note: 10 });
    },
  );

  test('a read-only mount is refused at open with E_DATABASE_READONLY naming the folder', async () => {
    await db?.close();
    db = undefined;
    await remountReadOnly(folder);
    await expect(openSqliteChannelDatabase(file, { channelId: 'store-1' })).rejects.toMatchObject({
      code: 'E_DATABASE_READONLY',
      message: expect.stringContaining(folder),
    });
  });
});
