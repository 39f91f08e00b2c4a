import { randomUUID } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import { POSTGRES } from '../channel/engines.js';
import { openAsServiceUser } from '../channel/postgres-service-user.js';
import { canMount, mountTmpfs, unmount } from '../support/mounts.js';
import { onCluster } from '../support/postgres-server.js';
import { CHANNEL, DownloadStore, type Product } from './download-store.js';

/**
 * database-faults' engine-specific cases in PostgreSQL's terms: a grant the service user lacks
 * (where SQLite has only the file's own permissions), and the disk under the table filling up
 * (a tablespace on a small tmpfs, where SQLite's case puts the file there).
 */
const products = (from: number, count: number, nameBytes = 12): Product[] =>
  Array.from({ length: count }, (_, i) => [from + i, `product ${from + i}`.padEnd(nameBytes, '.'), from + i] as const);

describe('download cycle on PostgreSQL: a service user without a grant it needs', () => {
  const role = 'store_cycle';
  let store: DownloadStore;
  let limited: ChannelDatabase | undefined;
  beforeEach(async () => {
    store = await DownloadStore.create({ engine: POSTGRES });
    await store.pos('CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER)');
    // The README's grants on product, less DELETE.
    limited = await openAsServiceUser(store.subject, CHANNEL, role, ['SELECT, INSERT, UPDATE ON product']);
    store.cycleDatabase = limited;
  });
  afterEach(async () => {
    await limited?.close();
    limited = undefined;
    await store.close();
  });

  test('ApplyFailed E_DATABASE_PERMISSION naming table, privilege and the GRANT that fixes it, nothing written; granted, applied at the retry', async () => {
    await store.publish(1, products(1, 3));
    expect((await store.run()).outcome).toBe('failed');
    const session = await store.db.downloads.findBySequence(1);
    expect(session).toMatchObject({ status: 'ApplyFailed', tries: 1, errorCode: 'E_DATABASE_PERMISSION' });
    expect(session?.errorMessage).toMatch(
      /store_cycle lacks the DELETE privilege on table public\.product: GRANT DELETE ON TABLE public\.product TO "store_cycle"/,
    );
    expect(await store.statusReport(1)).toMatchObject({ status: 'ApplyFailed', message: session?.errorMessage });
    expect(await store.products()).toEqual([]);

    await store.pos(`GRANT DELETE ON product TO ${role}`);
    store.clock.advanceSeconds(store.settings.retryBackoffSeconds);
    expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 1 } });
    expect(await store.products()).toHaveLength(3);
    expect(await store.db.downloads.findBySequence(1)).toMatchObject({ status: 'Applied', tries: 1 });
  });
});

(canMount ? describe : describe.skip)(
  'download cycle on PostgreSQL: the disk under the table fills up during an apply (needs root)',
  () => {
    const tablespace = `small_${randomUUID().replaceAll('-', '')}`;
    let store: DownloadStore;
    let folder: string;
    let mountPoint: string;
    beforeEach(async () => {
      folder = await mkdtemp(path.join(os.tmpdir(), 'async-client-tablespace-'));
      mountPoint = path.join(folder, 'small-disk');
      await mkdir(mountPoint);
      await mountTmpfs(mountPoint, 2 * 1024 * 1024);
      // The test cluster's server runs as nobody when the tests run as root (postgres-cluster.ts).
      await chmod(folder, 0o755);
      await chown(mountPoint, 65534, 65534);
      store = await DownloadStore.create({ engine: POSTGRES });
      await store.pos(`CREATE TABLESPACE ${tablespace} LOCATION '${mountPoint}'`);
      await store.pos(`CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER) TABLESPACE ${tablespace}`);
    });
    afterEach(async () => {
      await store.close();
      await onCluster(`DROP TABLESPACE IF EXISTS ${tablespace}`);
      await unmount(mountPoint);
      await rm(folder, { recursive: true, force: true });
    });

    test('E_DATABASE_FULL: ApplyFailed with the reason, nothing of the package in the table, the journal still takes the failure', async () => {
      await store.publish(1, products(1, 20_000, 200));
      expect((await store.run()).outcome).toBe('failed');
      const session = await store.db.downloads.findBySequence(1);
      expect(session).toMatchObject({ status: 'ApplyFailed', tries: 1, errorCode: 'E_DATABASE_FULL', appliedAt: null });
      expect(session?.errorMessage).toContain(store.db.describe().location);
      expect(await store.products()).toEqual([]);
      expect(await store.statusReport(1)).toMatchObject({ status: 'ApplyFailed', message: session?.errorMessage });
      expect(await store.staged()).toEqual([]);
    });
  },
);
