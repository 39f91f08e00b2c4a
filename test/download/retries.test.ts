import { type DownloadStore, useDownloadStore } from './download-store.js';
import { CHANNEL_ENGINES } from '../channel/engines.js';

let store: DownloadStore;
describe.each(CHANNEL_ENGINES)('on $name', (engine) => {
  useDownloadStore(engine, async (created) => {
    store = created;
    store.settings = { ...store.settings, tryLimit: 3, retryBackoffSeconds: 10 };
    // The POS vendor's table lacks the price column HQ sends: a failure that can heal.
    await store.pos('CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    await store.publish(1, [[1, 'one', 1]]);
    await store.publish(2, [[2, 'two', 2]]);
  });

  async function session1() {
    const session = await store.db.downloads.findBySequence(1);
    if (session === null) throw new Error('sequence 1 was not recorded');
    return session;
  }

  describe('download cycle: retries, backoff and the try limit', () => {
    test('a failure that can heal is retried after a doubling backoff; after the try limit it is Suspended and later packages wait', async () => {
      const failedAt = store.clock.now();
      expect(await store.run()).toMatchObject({ outcome: 'failed', fields: { failed: 1 } });
      let session = await session1();
      expect(session).toMatchObject({ status: 'ApplyFailed', tries: 1, errorCode: 'E_SCHEMA_COLUMN_MISSING' });
      expect(session.errorMessage).toContain('price');
      expect(session.nextTryAt?.getTime()).toBe(failedAt.getTime() + 10_000);
      expect(await store.statusReport(1)).toMatchObject({ status: 'ApplyFailed', tries: 1, message: session.errorMessage });

      store.clock.advanceSeconds(9);
      expect(await store.run()).toMatchObject({ outcome: 'idle', fields: { waiting: 'backoff', waitingFor: 1 } });
      expect((await session1()).tries).toBe(1);

      store.clock.advanceSeconds(1);
      const secondAt = store.clock.now();
      expect((await store.run()).outcome).toBe('failed');
      session = await session1();
      expect(session).toMatchObject({ status: 'ApplyFailed', tries: 2 });
      expect(session.nextTryAt?.getTime()).toBe(secondAt.getTime() + 20_000);

      store.clock.advanceSeconds(20);
      expect((await store.run()).outcome).toBe('failed');
      expect(await session1()).toMatchObject({ status: 'Suspended', tries: 3, nextTryAt: null, errorCode: 'E_SCHEMA_COLUMN_MISSING' });
      expect(await store.statusReport(1)).toMatchObject({ status: 'Suspended', tries: 3 });
      expect(store.events('download.failed').map((line) => [line.tries, line.status])).toEqual([
        [1, 'ApplyFailed'],
        [2, 'ApplyFailed'],
        [3, 'Suspended'],
      ]);
      expect(await store.metric('async_client_download_packages_failed_total', { code: 'E_SCHEMA_COLUMN_MISSING' })).toBe(3);
      expect(await store.metric('async_client_download_packages_suspended_total')).toBe(1);

      store.clock.advanceSeconds(3600);
      await store.pos('ALTER TABLE product ADD COLUMN price INTEGER');
      expect(await store.run()).toMatchObject({ outcome: 'idle', fields: { waiting: 'suspended', waitingFor: 1 } });
      expect(await store.metric('async_client_download_packages_waiting')).toBe(1);
      expect(await store.products()).toEqual([]);
      expect(await store.db.downloads.findBySequence(2)).toBeNull();
    });

    test('an operator retry resets the tries and lets the package go at the next run', async () => {
      store.settings = { ...store.settings, tryLimit: 1 };
      await store.run();
      expect(await session1()).toMatchObject({ status: 'Suspended', tries: 1 });
      await store.pos('ALTER TABLE product ADD COLUMN price INTEGER');
      await store.db.downloads.retry((await session1()).id);
      expect(await store.run()).toMatchObject({ outcome: 'done', summary: 'applied 2 packages (seq 1-2)' });
      expect(await session1()).toMatchObject({ status: 'Applied', tries: 0, errorCode: null, rowsAffected: { product: 1 } });
      expect(await store.products()).toEqual([
        [1, 'one', 1],
        [2, 'two', 2],
      ]);
    });

    test('an operator cancel lets later packages proceed; the canceled file moves to canceled/', async () => {
      store.settings = { ...store.settings, tryLimit: 1 };
      await store.run();
      await store.pos('ALTER TABLE product ADD COLUMN price INTEGER');
      await store.db.downloads.cancel((await session1()).id, 'alice', 'HQ resends it as sequence 3');
      expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 1, firstSequence: 2 } });
      expect(await store.products()).toEqual([[2, 'two', 2]]);
      expect(await store.namesIn('canceled')).toEqual([store.fileName(1)]);
      expect(await store.namesIn('applied')).toEqual([store.fileName(2)]);
      expect(await store.statusReport(1)).toMatchObject({ status: 'Canceled', message: 'HQ resends it as sequence 3' });
      expect(await session1()).toMatchObject({ status: 'Canceled', canceledBy: 'alice', cancelReason: 'HQ resends it as sequence 3' });
    });

    test("HQ replacing a Suspended package's file whole: the old session is canceled and the new file applied", async () => {
      store.settings = { ...store.settings, tryLimit: 1 };
      await store.run();
      const old = await session1();
      await store.pos('ALTER TABLE product ADD COLUMN price INTEGER');
      await store.publish(1, [[1, 'one, corrected', 11]]);
      expect(await store.run()).toMatchObject({ outcome: 'done', summary: 'applied 2 packages (seq 1-2)' });
      expect(await store.db.downloads.find(old.id)).toMatchObject({ status: 'Canceled', canceledBy: 'async-client' });
      expect(await session1()).toMatchObject({ status: 'Applied', tries: 0 });
      expect(store.events('download.replaced')).toEqual([expect.objectContaining({ sequence: 1, sessionId: old.id })]);
      expect(await store.products()).toEqual([
        [1, 'one, corrected', 11],
        [2, 'two', 2],
      ]);
    });

    test('a try limit lowered by a profile reload suspends a package that already used its tries', async () => {
      await store.run();
      await store.run();
      store.clock.advanceSeconds(10);
      await store.run();
      expect(await session1()).toMatchObject({ status: 'ApplyFailed', tries: 2 });
      store.settings = { ...store.settings, tryLimit: 2 };
      expect(await store.run()).toMatchObject({ fields: { waiting: 'suspended' } });
      expect(await session1()).toMatchObject({ status: 'Suspended', tries: 2 });
    });
  });
});
