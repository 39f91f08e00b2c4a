import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { type DownloadStore, FOLDERS, useDownloadStore } from './download-store.js';
import { CHANNEL_ENGINES } from '../channel/engines.js';

let store: DownloadStore;
describe.each(CHANNEL_ENGINES)('on $name', (engine) => {
  useDownloadStore(engine, async (created) => {
    store = created;
    store.settings = { ...store.settings, gapReportMinutes: 30 };
  });

  describe('download cycle: order and gaps', () => {
    test('a gap waits, is reported once older than gapReportMinutes, is never skipped, and closes when the package arrives', async () => {
      await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
      await store.publish(3, [[3, 'three', 3]]);
      await store.publish(4, [[4, 'four', 4]]);
      await store.touch(3);
      await store.touch(4);

      const first = await store.run();
      expect(first).toMatchObject({ outcome: 'done', fields: { applied: 1, waiting: 'gap', waitingFor: 2 } });
      expect(first.summary).toBe('applied 1 package (seq 1); waiting: sequence 2 has not arrived; 2 later packages wait behind it');
      expect(await store.products()).toEqual([[1, 'one', 1]]);
      expect(store.events('download.gap')).toEqual([]);
      expect(store.events('download.gap_pending')).toHaveLength(1);
      expect(await store.metric('async_client_download_packages_waiting')).toBe(2);
      expect(await store.db.downloads.findBySequence(3)).toBeNull();

      store.clock.advanceSeconds(31 * 60);
      const late = await store.run();
      expect(late).toMatchObject({ outcome: 'idle', fields: { applied: 0, waiting: 'gap', waitingFor: 2 } });
      expect(store.events('download.gap')).toEqual([
        expect.objectContaining({ missingSequence: 2, waitingPackages: 2, firstWaiting: 3, ageMinutes: 31 }),
      ]);
      expect(await store.metric('async_client_download_gap_age_seconds')).toBe(31 * 60);
      expect(await store.products()).toEqual([[1, 'one', 1]]);
      expect(await store.namesIn('download')).toEqual([store.fileName(3), store.fileName(4)]);

      await store.publish(2, [[2, 'two', 2]]);
      expect(await store.run()).toMatchObject({ outcome: 'done', summary: 'applied 3 packages (seq 2-4)' });
      expect(store.events('download.applied').map((line) => line.sequence)).toEqual([1, 2, 3, 4]);
      expect(await store.metric('async_client_download_gap_age_seconds')).toBe(0);
    });

    test("the gap's age survives a restart: it runs from the waiting file's modification time", async () => {
      await store.publish(2, [[2, 'two', 2]]);
      const file = path.join(store.folderRoot, FOLDERS.download, store.fileName(2));
      const hourAgo = new Date(store.clock.now().getTime() - 60 * 60 * 1000);
      await utimes(file, hourAgo, hourAgo);
      const report = await store.run();
      expect(report).toMatchObject({ fields: { waiting: 'gap', waitingFor: 1 } });
      expect(store.events('download.gap')).toEqual([
        expect.objectContaining({ missingSequence: 1, ageMinutes: 60, since: hourAgo.toISOString() }),
      ]);
    });

    test('an abort stops the run between packages: the package in hand is finished, the next is not started', async () => {
      for (const sequence of [1, 2, 3])
        await store.publish(sequence, [[sequence, `p${sequence}`, sequence]], { kind: sequence === 1 ? 'full' : 'incremental' });
      const controller = new AbortController();
      store.onLog = (line) => {
        if (line.event === 'download.applied') controller.abort();
      };
      expect(await store.run(controller.signal)).toMatchObject({ outcome: 'done', fields: { applied: 1 } });
      expect(await store.products()).toEqual([[1, 'p1', 1]]);
      expect(await store.namesIn('download')).toEqual([store.fileName(2), store.fileName(3)]);
      expect(await store.namesIn('applied')).toEqual([store.fileName(1)]);
      store.onLog = () => undefined;
      expect(await store.run()).toMatchObject({ outcome: 'done', summary: 'applied 2 packages (seq 2-3)' });
    });

    test('packages read ahead of one that stops the walk are discarded: nothing journaled, nothing left in staging', async () => {
      await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
      await store.publish(2, [[2, 'two', 2]], { channelId: 'store-8', fileName: store.fileName(2) });
      for (let sequence = 3; sequence <= 12; sequence += 1) await store.publish(sequence, [[sequence, `p${sequence}`, sequence]]);

      expect(await store.run()).toMatchObject({ outcome: 'failed', fields: { applied: 1, failed: 1 } });
      expect((await store.db.downloads.list()).map((session) => [session.sequence, session.status])).toEqual([
        [2, 'Suspended'],
        [1, 'Applied'],
      ]);
      expect(await store.staged()).toEqual([]);
      expect(await store.namesIn('download')).toHaveLength(11);
    });
  });
});
