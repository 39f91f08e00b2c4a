import type { Product } from './download-store.js';
import { type DownloadStore, FOLDERS, useDownloadStore } from './download-store.js';
import { CHANNEL_ENGINES } from '../channel/engines.js';

let store: DownloadStore;
describe.each(CHANNEL_ENGINES)('on $name', (engine) => {
  useDownloadStore(engine, async (created) => {
    store = created;
  });

  const products = (from: number, to: number, price = 100): Product[] =>
    Array.from({ length: to - from + 1 }, (_, i) => [from + i, `product ${from + i}`, price + i] as const);

  describe('download cycle: the happy path', () => {
    test('a full package then incrementals are applied in order, reported to HQ and moved to applied/', async () => {
      await store.publish(1, products(1, 5), { kind: 'full' });
      await store.publish(2, [[2, 'product 2 renamed', 250]], { deletes: [5] });
      await store.publish(3, products(6, 7));

      const report = await store.run();

      expect(report).toMatchObject({ outcome: 'done', summary: 'applied 3 packages (seq 1-3)', fields: { applied: 3, failed: 0 } });
      expect(await store.products()).toEqual([
        [1, 'product 1', 100],
        [2, 'product 2 renamed', 250],
        [3, 'product 3', 102],
        [4, 'product 4', 103],
        [6, 'product 6', 100],
        [7, 'product 7', 101],
      ]);
      expect(await store.namesIn('download')).toEqual([]);
      expect(await store.namesIn('applied')).toEqual([1, 2, 3].map((s) => store.fileName(s)));
      expect(await store.statusReport(2)).toMatchObject({
        package: store.fileName(2),
        sequence: 2,
        status: 'Applied',
        tries: 0,
        message: null,
        rowsAffected: { product: 2 },
      });
      const sessions = await store.db.downloads.list();
      expect(sessions.map((s) => [s.sequence, s.status, s.jobId])).toEqual([
        [3, 'Applied', 'N-1000'],
        [2, 'Applied', 'N-1000'],
        [1, 'Applied', 'N-1000'],
      ]);
      expect(store.events('download.applied').map((line) => line.sequence)).toEqual([1, 2, 3]);
      expect(await store.metric('async_client_download_packages_applied_total')).toBe(3);
      expect(await store.metric('async_client_download_rows_applied_total')).toBe(9);
      expect(await store.metric('async_client_download_last_success_timestamp_seconds')).toBe(store.clock.now().getTime() / 1000);
      expect(await store.staged()).toEqual([]);
    });

    test('a second run finds nothing to do and applies nothing again', async () => {
      await store.publish(1, products(1, 3), { kind: 'full' });
      expect((await store.run()).outcome).toBe('done');
      expect(await store.run()).toMatchObject({ outcome: 'idle', summary: 'no download package to apply' });
      expect(store.events('download.applied')).toHaveLength(1);
      expect(await store.products()).toHaveLength(3);
    });

    test('files that are not complete packages of this channel and direction are ignored', async () => {
      await store.publish(1, products(1, 1), { kind: 'full' });
      await store.write(`${FOLDERS.download}/notes.txt`, Buffer.from('hello'));
      await store.write(`${FOLDERS.download}/${store.fileName(2)}.partial`, Buffer.from('half'));
      await store.write(`${FOLDERS.download}/${store.fileName(2, 'store-8')}`, Buffer.from('other store'));
      await store.write(`${FOLDERS.download}/store-7_upload_000000000002.acpkg`, Buffer.from('upload'));
      expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 1, failed: 0 } });
      expect(await store.db.downloads.list()).toHaveLength(1);
    });
  });
});
