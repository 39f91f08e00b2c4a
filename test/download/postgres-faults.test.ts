import pg from 'pg';
import type { PackageRow, TableSpec } from '../../src/package/types.js';
import type { ChannelEngine } from '../channel/engines.js';
import { openPostgresSubject } from '../channel/postgres-subject.js';
import type { PostgresTestDatabase } from '../support/postgres-server.js';
import { until } from '../support/until.js';
import { duringFirstApply } from './during-apply.js';
import { DownloadStore, productTable } from './download-store.js';

/**
 * The download cycle on PostgreSQL meeting the POS's own transactions on the test cluster: what
 * the server does to our transaction (a deadlock, a serialization failure, a statement timeout)
 * fails the package whole, and the next run after the backoff applies it.
 */
describe('download cycle on PostgreSQL: the POS in the way', () => {
  let store: DownloadStore;
  let database: PostgresTestDatabase;
  let till: pg.Client;
  const engine: ChannelEngine = {
    name: 'PostgreSQL',
    async open(channelId) {
      // A statement past 4 s is cancelled; a lock is waited for longer than that.
      const subject = await openPostgresSubject({ channelId, statementTimeoutMs: 4000, lockTimeoutMs: 60_000 });
      database = subject.database;
      return subject;
    },
  };
  beforeEach(async () => {
    store = await DownloadStore.create({ engine });
    store.settings = { ...store.settings, retryBackoffSeconds: 30 };
    await store.pos('CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER)');
    await store.pos("INSERT INTO product VALUES (1, 'pos one', 10), (2, 'pos two', 20)");
    till = new pg.Client({ connectionString: database.url });
    await till.connect();
  });
  afterEach(async () => {
    await till.end();
    await store.close();
  });

  /** Until our apply waits for a lock a POS session holds. */
  const applyWaitsForLock = () =>
    until('the apply to wait for the POS', async () => {
      const { rows } = await database.admin(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'async-client' AND wait_event_type = 'Lock'",
      );
      return rows.length > 0;
    });

  /** The failed try left the POS's rows as they were; the retry after the backoff applies the package whole. */
  async function expectRetriedWhole(code: string, message: string, before: unknown[]): Promise<void> {
    const failed = await store.db.downloads.findBySequence(1);
    expect(failed).toMatchObject({ status: 'ApplyFailed', tries: 1, errorCode: code });
    expect(failed?.errorMessage).toContain(message);
    expect(await store.products()).toEqual(before);
    expect(await store.run()).toMatchObject({ outcome: 'idle', fields: { waiting: 'backoff', waitingFor: 1 } });
    store.clock.advanceSeconds(store.settings.retryBackoffSeconds);
    expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 1 } });
    expect(await store.db.downloads.findBySequence(1)).toMatchObject({ status: 'Applied', tries: 1 });
  }

  test('a deadlock with a till: our transaction is the one ended (E_DATABASE_BUSY), the till commits, the retry applies the package', async () => {
    // HQ's rows in this order lock row 2 before row 1; the till takes row 1, then row 2.
    await store.publish(1, [
      [2, 'hq two', 2],
      [1, 'hq one', 1],
      [3, 'hq three', 3],
    ]);
    await till.query("SET deadlock_timeout = '60s'"); // the deadlock is found on our side, after our 1 s
    await till.query('BEGIN');
    await till.query("UPDATE product SET name = 'till one' WHERE id = 1");
    const run = store.run();
    await applyWaitsForLock();
    await till.query("UPDATE product SET name = 'till two' WHERE id = 2");
    await till.query('COMMIT');
    expect(await run).toMatchObject({ outcome: 'failed', fields: { applied: 0, failed: 1 } });
    await expectRetriedWhole('E_DATABASE_BUSY', 'deadlock detected', [
      [1, 'till one', 10],
      [2, 'till two', 20],
    ]);
    expect(await store.products()).toEqual([
      [1, 'hq one', 1],
      [2, 'hq two', 2],
      [3, 'hq three', 3],
    ]);
  });

  test('a database the POS runs in REPEATABLE READ: a till committing a row our snapshot cannot see is a serialization failure, retried', async () => {
    await database.admin(`ALTER DATABASE ${database.name} SET default_transaction_isolation = 'repeatable read'`);
    await store.subject.reopen();
    // The till sells item 1 once our transaction took its snapshot, while the package's rows go in.
    store.cycleDatabase = duringFirstApply(store.db, async () => {
      await till.query("UPDATE product SET name = 'till one' WHERE id = 1");
    });
    await store.publish(1, [
      [1, 'hq one', 1],
      [3, 'hq three', 3],
    ]);
    expect(await store.run()).toMatchObject({ outcome: 'failed', fields: { failed: 1 } });
    await expectRetriedWhole('E_DATABASE_BUSY', 'could not serialize access', [
      [1, 'till one', 10],
      [2, 'pos two', 20],
    ]);
    expect(await store.products()).toEqual([
      [1, 'hq one', 1],
      [2, 'pos two', 20],
      [3, 'hq three', 3],
    ]);
  });

  test('a statement past statement_timeout: E_DATABASE_TIMEOUT saying so, the table merged before it rolled back too, retried', async () => {
    await store.pos('CREATE TABLE category (id INTEGER PRIMARY KEY, label TEXT NOT NULL)');
    await store.pos("INSERT INTO category VALUES (1, 'pos food')");
    const category: TableSpec = {
      name: 'category',
      columns: [
        { name: 'id', type: 'integer', nullable: false },
        { name: 'label', type: 'string', nullable: false },
      ],
      primaryKey: ['id'],
      upsertCount: 1,
      deleteCount: 0,
    };
    const rows: [string, PackageRow[]][] = [
      [
        'product',
        [
          { op: 'upsert', values: [1, 'hq one', 1] },
          { op: 'upsert', values: [3, 'hq three', 3] },
        ],
      ],
      ['category', [{ op: 'upsert', values: [1, 'hq food'] }]],
    ];
    await store.publish(1, [], { tables: [productTable(2), category], rows: new Map(rows) });
    // The till keeps category 1 locked in a transaction it leaves open: product merges, category waits.
    await till.query('BEGIN');
    await till.query("UPDATE category SET label = 'till food' WHERE id = 1");
    expect(await store.run()).toMatchObject({ outcome: 'failed', fields: { failed: 1 } });
    await till.query('COMMIT');
    await expectRetriedWhole('E_DATABASE_TIMEOUT', 'statement timeout', [
      [1, 'pos one', 10],
      [2, 'pos two', 20],
    ]);
    expect((await store.db.downloads.findBySequence(1))?.rowsAffected).toEqual({ product: 2, category: 1 });
    expect(await store.subject.query('SELECT id, label FROM category')).toEqual([{ id: 1, label: 'hq food' }]);
  });
});
