import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deadPid } from '../support/dead-pid.js';
import type { FaultyWorkingFolder } from '../support/faulty-working-folder.js';
import { type DownloadStore, useDownloadStore } from './download-store.js';
import { CHANNEL_ENGINES } from '../channel/engines.js';

let store: DownloadStore;
let faulty: FaultyWorkingFolder;
describe.each(CHANNEL_ENGINES)('on $name', (engine) => {
  useDownloadStore(engine, async (created) => {
    store = created;
    faulty = store.faultyFolder();
  });

  describe('download cycle: crashes and a sick working folder', () => {
    test('a crash between the commit and the move: the next run finishes the move and the report, never applies again', async () => {
      await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
      faulty.failNext('move', 'E_FOLDER_UNREACHABLE');
      expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 1 } });
      expect(store.events('download.report_failed')).toEqual([expect.objectContaining({ sequence: 1, code: 'E_FOLDER_UNREACHABLE' })]);
      expect(await store.namesIn('download')).toEqual([store.fileName(1)]);
      await store.pos("UPDATE product SET name = 'sold out' WHERE id = 1");

      store.restart();
      expect(await store.run()).toMatchObject({ outcome: 'done', summary: '1 settled', fields: { applied: 0, failed: 0 } });
      expect(store.events('download.applied')).toHaveLength(1);
      expect(store.events('download.settled')).toEqual([expect.objectContaining({ sequence: 1, status: 'Applied' })]);
      expect(await store.products()).toEqual([[1, 'sold out', 1]]);
      expect(await store.namesIn('download')).toEqual([]);
      expect(await store.namesIn('applied')).toEqual([store.fileName(1)]);
      expect(await store.statusReport(1)).toMatchObject({ status: 'Applied', rowsAffected: { product: 1 } });
      expect(await store.db.downloads.list()).toHaveLength(1);
    });

    test('a package Applied just before a crash, before its copy was kept, is announced once when it is settled, also across restarts', async () => {
      await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
      faulty.failNext('move', 'E_FOLDER_UNREACHABLE');
      await store.run();
      // What a crash between the Applied commit and the kept copy leaves: Applied in the journal,
      // the file still in download/, the ended process's complete copy instead of a kept one, and
      // no download.applied line.
      for (const name of await store.staged()) await rm(path.join(store.stagingDirectory, name));
      await writeFile(path.join(store.stagingDirectory, `${deadPid()}-${store.fileName(1)}`), await store.readPackage(1));
      store.logLines.splice(0);

      store.restart();
      faulty.failNext('move', 'E_FOLDER_UNREACHABLE');
      expect(await store.run()).toMatchObject({ fields: { applied: 1 } });
      expect(store.events('download.applied')).toEqual([
        expect.objectContaining({ sequence: 1, recovered: true, rows: 1, rowsAffected: { product: 1 } }),
      ]);
      expect(await store.metric('async_client_download_packages_applied_total')).toBe(1);
      expect(store.events('download.settled')).toEqual([]);

      // The settling is still due; the next process settles it without announcing it again.
      store.restart();
      expect(await store.run()).toMatchObject({ summary: '1 settled', fields: { applied: 0 } });
      expect(store.events('download.applied')).toHaveLength(1);
      expect(await store.metric('async_client_download_packages_applied_total')).toBe(0);
      expect(store.events('download.settled')).toEqual([expect.objectContaining({ sequence: 1, status: 'Applied' })]);
      expect(await store.namesIn('applied')).toEqual([store.fileName(1)]);
      expect(await store.staged()).toEqual([]);
    });

    test('staged copies a killed process left are swept; a Downloaded session is staged again and applied', async () => {
      await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
      const pid = deadPid();
      await mkdir(store.stagingDirectory, { recursive: true });
      await writeFile(path.join(store.stagingDirectory, `${pid}-${store.fileName(1)}`), 'a copy whose apply was killed');
      await writeFile(path.join(store.stagingDirectory, `${pid}-${store.fileName(2)}.partial`), 'half a copy');
      const bytes = await store.readPackage(1);
      const { createHash } = await import('node:crypto');
      const session = await store.db.downloads.recordDownloaded({
        sequence: 1,
        jobId: 'N-1000',
        fileName: store.fileName(1),
        size: bytes.length,
        checksum: createHash('sha256').update(bytes).digest('hex'),
      });

      expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 1 } });
      expect(store.events('download.staging_swept')).toEqual([expect.objectContaining({ files: 2 })]);
      expect(await store.db.downloads.find(session.id)).toMatchObject({ status: 'Applied' });
      expect(await store.staged()).toEqual([]);
    });

    test('a package removed by HQ while being read, seen for the first time: a clear failure, nothing recorded, read again next run', async () => {
      await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
      faulty.cutNextRead(100, 'E_FOLDER_NOT_FOUND');
      expect(await store.run()).toMatchObject({ outcome: 'failed', fields: { failed: 1, applied: 0 } });
      expect(store.events('download.failed')).toEqual([
        expect.objectContaining({ code: 'E_FOLDER_NOT_FOUND', sequence: 1, file: store.fileName(1), tries: 0 }),
      ]);
      expect(await store.metric('async_client_download_packages_failed_total', { code: 'E_FOLDER_NOT_FOUND' })).toBe(1);
      expect(await store.db.downloads.list()).toEqual([]);
      expect(await store.products()).toEqual([]);
      expect(await store.staged()).toEqual([]);
      expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 1 } });
    });

    test("a known package removed while being read: ApplyFailed on its session with the folder's reason", async () => {
      await store.pos('CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
      await store.publish(1, [[1, 'one', 1]]);
      await store.run();
      await store.pos('ALTER TABLE product ADD COLUMN price INTEGER');
      store.clock.advanceSeconds(store.settings.retryBackoffSeconds);
      faulty.cutNextRead(10, 'E_FOLDER_NOT_FOUND');
      expect((await store.run()).outcome).toBe('failed');
      const session = await store.db.downloads.findBySequence(1);
      expect(session).toMatchObject({ status: 'ApplyFailed', tries: 2, errorCode: 'E_FOLDER_NOT_FOUND' });
      expect(await store.statusReport(1)).toMatchObject({ status: 'ApplyFailed', tries: 2, message: session?.errorMessage });
      store.clock.advanceSeconds(2 * store.settings.retryBackoffSeconds);
      expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 1 } });
    });

    test('a working folder that cannot be listed fails the run outside any session', async () => {
      faulty.failNext('list', 'E_FOLDER_UNREACHABLE');
      await expect(store.run()).rejects.toMatchObject({ code: 'E_FOLDER_UNREACHABLE' });
      await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
      expect((await store.run()).outcome).toBe('done');
    });
  });
});
