import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import type { DownloadSession } from '../../src/channel/download-journal.js';
import { CHANNEL_ENGINES } from '../channel/engines.js';
import { holdWriteLock, type PosWriter, startPosWriter } from '../channel/pos-sessions.js';
import { canMount, mountTmpfs, unmount } from '../support/mounts.js';
import { DownloadStore, type Product } from './download-store.js';

const products = (from: number, count: number, nameBytes = 12): Product[] =>
  Array.from({ length: count }, (_, i) => [from + i, `product ${from + i}`.padEnd(nameBytes, '.'), from + i] as const);

describe.each(CHANNEL_ENGINES)('download cycle on $name: database faults roll the package back whole', (engine) => {
  let store: DownloadStore;
  let release: (() => Promise<void>) | undefined;
  let till: PosWriter | undefined;
  beforeEach(async () => {
    store = await DownloadStore.create({ engine, lockWaitMs: 300 });
  });
  afterEach(async () => {
    await release?.();
    release = undefined;
    await till?.kill();
    till = undefined;
    await store.close();
  });

  test("a missing table is named in the session's message", async () => {
    await store.publish(1, products(1, 3));
    expect((await store.run()).outcome).toBe('failed');
    const session = await store.db.downloads.findBySequence(1);
    expect(session).toMatchObject({ status: 'ApplyFailed', errorCode: 'E_SCHEMA_TABLE_MISSING' });
    expect(session?.errorMessage).toContain('table product');
    expect(await store.statusReport(1)).toMatchObject({ status: 'ApplyFailed', message: session?.errorMessage });
  });

  test('a constraint violation half-way through a table leaves nothing of the package', async () => {
    await store.pos('CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER CHECK (price >= 0))');
    await store.pos("INSERT INTO product VALUES (1, 'before', 5), (2000, 'untouched', 7)");
    const rows = products(1, 1000).map(([id, name, price]): Product => [id, name, id === 600 ? -1 : price]);
    await store.publish(1, rows);
    expect((await store.run()).outcome).toBe('failed');
    const session = await store.db.downloads.findBySequence(1);
    expect(session).toMatchObject({ status: 'ApplyFailed', tries: 1, errorCode: 'E_DATABASE_CONSTRAINT' });
    // SQLite names the package's row; PostgreSQL's set-based write, the row's values.
    expect(session?.errorMessage).toContain({ SQLite: 'row 600 of table product', PostgreSQL: 'table product' }[engine.name]);
    expect(session?.errorMessage).toContain({ SQLite: 'row 600', PostgreSQL: 'Failing row contains (600, product 600.' }[engine.name]);
    expect(await store.products()).toEqual([
      [1, 'before', 5],
      [2000, 'untouched', 7],
    ]);
    expect(await store.statusReport(1)).toMatchObject({ status: 'ApplyFailed', rowsAffected: {} });
  });

  test('another session holding the write lock past the lock wait: ApplyFailed E_DATABASE_BUSY, nothing applied; applied on a later run', async () => {
    await store.pos('CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER)');
    await store.publish(1, products(1, 50));
    store.cycleDatabase = lockedDuringApply(
      store.db,
      async () => {
        release = await holdWriteLock(store.subject, 'product');
      },
      async () => {
        await release?.();
        release = undefined;
      },
    );
    expect((await store.run()).outcome).toBe('failed');
    const session = await store.db.downloads.findBySequence(1);
    expect(session).toMatchObject({ status: 'ApplyFailed', tries: 1, errorCode: 'E_DATABASE_BUSY' });
    expect(session?.errorMessage).toContain(store.db.describe().location);
    expect(await store.products()).toEqual([]);

    store.clock.advanceSeconds(store.settings.retryBackoffSeconds);
    expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 1 } });
    expect(await store.products()).toHaveLength(50);
    expect(await store.db.downloads.findBySequence(1)).toMatchObject({ status: 'Applied', tries: 1 });
  });

  test('a POS process writing sales all through a backlog of applies loses nothing, and neither do we', async () => {
    await store.pos('CREATE TABLE pos_sale (id INTEGER PRIMARY KEY, amount TEXT NOT NULL)');
    for (let sequence = 1; sequence <= 5; sequence += 1) {
      await store.publish(sequence, products((sequence - 1) * 20_000 + 1, 20_000), { kind: sequence === 1 ? 'full' : 'incremental' });
    }
    till = await startPosWriter(store.subject);
    expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 5, rows: 100_000 } });
    const written = await till.stop();
    till = undefined;
    expect(written).toBeGreaterThan(0);
    expect(await store.products()).toHaveLength(100_000);
    expect(await store.subject.query('SELECT COUNT(*) AS n FROM pos_sale')).toEqual([{ n: written }]);
  });
});

(canMount ? describe : describe.skip)('download cycle: the database disk fills up during an apply (needs root)', () => {
  let store: DownloadStore;
  let mountPoint: string;
  beforeEach(async () => {
    const scratch = await DownloadStore.create();
    mountPoint = path.join(scratch.root, 'small-disk');
    await scratch.close();
    await mkdir(mountPoint, { recursive: true });
    await mountTmpfs(mountPoint, 2 * 1024 * 1024);
    store = await DownloadStore.create({ databaseFolder: mountPoint });
  });
  afterEach(async () => {
    await store.close({ keepFolder: true });
    await unmount(mountPoint);
    await rm(path.dirname(mountPoint), { recursive: true, force: true });
    await rm(store.root, { recursive: true, force: true });
  });

  test('E_DATABASE_FULL: ApplyFailed with the reason, no table half-written, the journal still takes the failure', async () => {
    await store.publish(1, products(1, 20_000, 200), { kind: 'full' });
    expect((await store.run()).outcome).toBe('failed');
    const session = await store.db.downloads.findBySequence(1);
    expect(session).toMatchObject({ status: 'ApplyFailed', tries: 1, errorCode: 'E_DATABASE_FULL', appliedAt: null });
    expect(session?.errorMessage).toContain(store.databaseFile);
    expect(await store.products()).toEqual([]);
    expect(await store.statusReport(1)).toMatchObject({ status: 'ApplyFailed', message: session?.errorMessage });
    expect(await store.staged()).toEqual([]);
  });

  test("E_DATABASE_FULL while an incremental package's rows are staged: ApplyFailed, the table as it was, the staging file gone", async () => {
    await store.pos('CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER)');
    await store.pos("INSERT INTO product VALUES (1, 'kept', 5)");
    await store.publish(1, products(2, 20_000, 200), { kind: 'incremental' });
    expect((await store.run()).outcome).toBe('failed');
    const session = await store.db.downloads.findBySequence(1);
    expect(session).toMatchObject({ status: 'ApplyFailed', tries: 1, errorCode: 'E_DATABASE_FULL', appliedAt: null });
    expect(session?.errorMessage).toContain(store.databaseFile);
    expect(await store.products()).toEqual([[1, 'kept', 5]]);
    expect((await readdir(mountPoint)).filter((name) => name.includes('.staging-'))).toEqual([]);
  });
});

/**
 * A fault-injecting wrapper around the real adapter: `lock` runs as the cycle's first apply
 * (`recordAndApply`) begins (another session takes the write lock) and `unlock` just before its
 * failure is journaled (the session recorded, then marked ApplyFailed), so
 * that the real apply meets a real lock wait (SQLITE_BUSY, PostgreSQL's lock_timeout) while the
 * bookkeeping around it goes through.
 * Later applies pass straight through.
 */
function lockedDuringApply(inner: ChannelDatabase, lock: () => Promise<void>, unlock: () => Promise<void>): ChannelDatabase {
  let armed = true;
  let locked = false;
  const downloads = new Proxy(inner.downloads, {
    get(target, property, receiver) {
      if (property === 'recordDownloaded' || property === 'markApplyFailed') {
        const journal = target[property].bind(target) as (...args: unknown[]) => Promise<DownloadSession>;
        return async (...args: unknown[]) => {
          if (locked) await unlock();
          locked = false;
          return journal(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    migrate: () => inner.migrate(),
    check: () => inner.check(),
    describe: () => inner.describe(),
    close: () => inner.close(),
    flush: () => inner.flush(),
    applyPackage: (manifest, batches, options) => inner.applyPackage(manifest, batches, options),
    async recordAndApply(pkg, manifest, batches, policy) {
      if (armed) await lock();
      locked = armed;
      armed = false;
      return inner.recordAndApply(pkg, manifest, batches, policy);
    },
    downloads,
    uploads: inner.uploads,
  };
}
