import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { NO_WATERMARK, type UploadTableConfig } from '../../src/channel/upload-journal.js';
import { openPostgresSubject } from './postgres-subject.js';

const SALE: UploadTableConfig = { table: 'sale', counterColumn: 'counter' };
const REFUND: UploadTableConfig = { table: 'refund', counterColumn: 'counter' };

/**
 * The sequence trap: counters drawn from a sequence commit out of order. A plan that reads up
 * to the highest counter it sees would skip a row whose transaction took a lower counter and
 * commits later (see src/channel/postgres-running-transactions.ts).
 */
describe('PostgreSQL upload and a counter drawn from a sequence', () => {
  let subject: Awaited<ReturnType<typeof openPostgresSubject>>;
  let till: pg.Client;

  const open = async (transactionWaitMs: number): Promise<void> => {
    subject = await openPostgresSubject({ transactionWaitMs });
    for (const table of ['sale', 'refund']) {
      await subject.pos(`CREATE SEQUENCE ${table}_counter`);
      await subject.pos(
        `CREATE TABLE ${table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text, counter bigint NOT NULL DEFAULT nextval('${table}_counter'))`,
      );
      await subject.pos(`CREATE INDEX ON ${table} (counter)`);
    }
    till = new pg.Client({ connectionString: subject.database.url });
    await till.connect();
  };
  afterEach(async () => {
    await till.end();
    await subject.cleanup();
  });

  const plan = (tables: readonly UploadTableConfig[]) => subject.db.uploads.snapshot((s) => s.plan(tables, 100));

  test('a transaction that took a lower counter and commits after a higher one was committed is waited for, not skipped', async () => {
    await open(60_000);
    await till.query('BEGIN');
    await till.query("INSERT INTO sale (note) VALUES ('slow till, counter 1')");
    await subject.pos("INSERT INTO sale (note) VALUES ('fast till, counter 2')");
    const planned = plan([SALE]);
    // Without the wait the plan is back long before this commit, with counter 2 alone: row 1 would never be published.
    await sleep(500);
    await till.query('COMMIT');
    expect((await planned).ranges).toEqual([{ table: 'sale', fromExclusive: NO_WATERMARK, toInclusive: 2n, rows: 2 }]);
  });

  test('a transaction left open past the wait holds back only the tables it wrote; they go at the next upload', async () => {
    await open(200);
    await till.query('BEGIN');
    await till.query("INSERT INTO sale (note) VALUES ('left open')");
    await subject.pos("INSERT INTO sale (note) VALUES ('committed')");
    await subject.pos("INSERT INTO refund (note) VALUES ('committed')");
    expect((await plan([SALE, REFUND])).ranges).toEqual([{ table: 'refund', fromExclusive: NO_WATERMARK, toInclusive: 1n, rows: 1 }]);
    await till.query('COMMIT');
    expect((await plan([SALE, REFUND])).ranges).toEqual([
      { table: 'sale', fromExclusive: NO_WATERMARK, toInclusive: 2n, rows: 2 },
      { table: 'refund', fromExclusive: NO_WATERMARK, toInclusive: 1n, rows: 1 },
    ]);
  });

  test('a transaction that begins while the plan waits, with a lower counter than one committed meanwhile, is not skipped either', async () => {
    await open(60_000);
    const late = new pg.Client({ connectionString: subject.database.url });
    await late.connect();
    try {
      await subject.pos("INSERT INTO sale (note) VALUES ('counter 1')");
      await till.query('BEGIN');
      await till.query("INSERT INTO sale (note) VALUES ('counter 2, open when the plan begins')");
      const planned = plan([SALE]);
      await sleep(300);
      await late.query('BEGIN');
      await late.query("INSERT INTO sale (note) VALUES ('counter 3, drawn while the plan waits, still open')");
      await subject.pos("INSERT INTO sale (note) VALUES ('counter 4, committed while the plan waits')");
      await till.query('COMMIT');
      // Reading up to 4 would pass counter 3 for good: the plan stops at what was committed when it began.
      const { ranges } = await planned;
      expect(ranges).toEqual([{ table: 'sale', fromExclusive: NO_WATERMARK, toInclusive: 1n, rows: 1 }]);
      const intent = await subject.db.uploads.recordIntent(ranges);
      await subject.db.uploads.complete(intent.id, { fileName: 'store-1-upload-00000001.pkg', size: 1, checksum: 'a'.repeat(64) });
      await late.query('COMMIT');
      expect((await plan([SALE])).ranges).toEqual([{ table: 'sale', fromExclusive: 1n, toInclusive: 4n, rows: 3 }]);
    } finally {
      await late.end();
    }
  });
});
