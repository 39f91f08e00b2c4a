import { useOwnCluster } from '../channel/postgres-own-cluster.js';
import type { openPostgresSubject } from '../channel/postgres-subject.js';
import { onCluster } from '../support/postgres-server.js';
import { duringFirstApply } from './during-apply.js';
import { type DownloadStore, type Product, useDownloadStore } from './download-store.js';

/**
 * The download cycle on PostgreSQL when the server itself fails it: stopped in the middle of an
 * apply, or taking no writes (a standby after a failover). The journal lives on the same server,
 * so no session can record the failure: the run throws it (the scheduler logs and counts it,
 * `cycle.failed`), nothing is half-applied or reported, and the package goes through once the
 * server is back. The POS's own faults are in postgres-faults.
 */
const products = (from: number, count: number): Product[] =>
  Array.from({ length: count }, (_, i) => [from + i, `product ${from + i}`, from + i] as const);

const ENDS_DAEMON_SESSIONS = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'async-client'";

describe('download cycle on PostgreSQL: the server fails under it', () => {
  const cluster = useOwnCluster();
  let store: DownloadStore;
  useDownloadStore(cluster.engine, async (created) => {
    store = created;
    await store.pos('CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER)');
    await store.pos("INSERT INTO product VALUES (1, 'pos one', 10)");
    await store.publish(1, products(100, 5000));
  });

  /** The run after the fault: the package applied whole, once, and reported. */
  async function expectAppliedOnce(): Promise<void> {
    store.clock.advanceSeconds(store.settings.retryBackoffSeconds);
    expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 1 } });
    expect(await store.products()).toHaveLength(5001);
    expect(await store.db.downloads.findBySequence(1)).toMatchObject({ status: 'Applied', rowsAffected: { product: 5000 } });
    expect(await store.statusReport(1)).toMatchObject({ status: 'Applied' });
    expect(await store.namesIn('applied')).toEqual([store.fileName(1)]);
    expect(await store.run()).toMatchObject({ outcome: 'idle' });
  }

  test('stopped mid-apply: the run fails with E_DATABASE_UNREACHABLE, nothing half-applied; once it is back the package is applied once', async () => {
    store.cycleDatabase = duringFirstApply(store.db, async () => {
      await cluster.stop();
    });
    try {
      await expect(store.run()).rejects.toMatchObject({ code: 'E_DATABASE_UNREACHABLE' });
    } finally {
      await cluster.start();
    }
    expect(await store.namesIn('applied')).toEqual([]);
    expect(await store.products()).toEqual([[1, 'pos one', 10]]);
    await expectAppliedOnce();
  });

  test('taking no writes (a standby after a failover): the run fails with E_DATABASE_READONLY, nothing applied; writable again, applied once', async () => {
    const { name } = (store.subject as Awaited<ReturnType<typeof openPostgresSubject>>).database;
    await onCluster(`ALTER DATABASE ${name} SET default_transaction_read_only = on`, cluster.url);
    // The failover ends the daemon's sessions; the pool's next ones meet the read-only server.
    await onCluster(ENDS_DAEMON_SESSIONS, cluster.url);
    await expect(store.run()).rejects.toMatchObject({ code: 'E_DATABASE_READONLY' });
    expect(await store.products()).toEqual([[1, 'pos one', 10]]);
    expect(await store.namesIn('applied')).toEqual([]);

    await onCluster(`ALTER DATABASE ${name} RESET default_transaction_read_only`, cluster.url);
    await onCluster(ENDS_DAEMON_SESSIONS, cluster.url);
    await expectAppliedOnce();
  });
});
