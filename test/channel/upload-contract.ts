import fc from 'fast-check';
import { NO_WATERMARK, type CounterRange, type UploadSnapshot, type UploadTableConfig } from '../../src/channel/upload-journal.js';
import type { CellValue } from '../../src/package/types.js';
import type { ChannelDatabaseSubject, SubjectFactory } from './subject.js';

const SALE: UploadTableConfig = { table: 'sale', counterColumn: 'counter' };
const LINE: UploadTableConfig = { table: 'sale_line', counterColumn: 'counter' };
const BUILT = { fileName: 'store-1-upload-00000001.pkg', size: 123, checksum: 'a'.repeat(64) };

/** Upload: the start-up table check, planning in a snapshot, the intent, and watermarks that move once. */
export function describeUploadContract(open: SubjectFactory): void {
  let subject: ChannelDatabaseSubject;
  beforeEach(async () => {
    subject = await open();
    await subject.pos('CREATE TABLE sale (id INTEGER PRIMARY KEY, amount TEXT NOT NULL, counter INTEGER NOT NULL)');
    await subject.pos('CREATE INDEX sale_counter ON sale (counter)');
    await subject.pos(
      'CREATE TABLE sale_line (sale_id INTEGER NOT NULL, line INTEGER NOT NULL, item TEXT, counter INTEGER NOT NULL, PRIMARY KEY (sale_id, line))',
    );
    await subject.pos('CREATE INDEX sale_line_counter ON sale_line (counter)');
  });
  afterEach(async () => {
    await subject.cleanup();
  });

  const sales = async (...counters: bigint[]): Promise<void> => {
    for (const counter of counters) await subject.pos('INSERT INTO sale (amount, counter) VALUES (?, ?)', `${counter}.00`, counter);
  };
  const lines = async (...counters: bigint[]): Promise<void> => {
    for (const [line, counter] of counters.entries()) {
      await subject.pos(
        'INSERT INTO sale_line (sale_id, line, item, counter) VALUES (?, ?, ?, ?)',
        counter,
        line,
        `item ${counter}`,
        counter,
      );
    }
  };
  const readCounters = async (snapshot: UploadSnapshot, config: UploadTableConfig, range: CounterRange): Promise<CellValue[]> => {
    const spec = await snapshot.tableSpec(config, range);
    const counterAt = spec.columns.findIndex((c) => c.name === config.counterColumn);
    const out: CellValue[] = [];
    for await (const batch of snapshot.rows(spec, config, range, 2)) {
      for (const row of batch.rows) if (row.op === 'upsert') out.push(row.values[counterAt] ?? null);
    }
    expect(out).toHaveLength(spec.upsertCount);
    return out;
  };
  const plan = (tables: readonly UploadTableConfig[], maxRows: number) => subject.db.uploads.snapshot((s) => s.plan(tables, maxRows));

  describe('the start-up check of an upload table says plainly what is missing', () => {
    const cases: readonly [string, UploadTableConfig, string][] = [
      ['a missing table', { table: 'refund', counterColumn: 'counter' }, 'E_UPLOAD_TABLE_MISSING'],
      ['a missing counter column', { table: 'sale', counterColumn: 'replication_counter' }, 'E_UPLOAD_COUNTER_MISSING'],
      ['a counter that is not an integer', { table: 'sale', counterColumn: 'amount' }, 'E_UPLOAD_COUNTER_TYPE'],
      ['a counter without an index', { table: 'sale_line', counterColumn: 'line' }, 'E_UPLOAD_COUNTER_NOT_INDEXED'],
    ];
    test.each(cases)('%s', async (_, config, code) => {
      await expect(subject.db.uploads.describeTable(config)).rejects.toMatchObject({
        code,
        message: expect.stringContaining(`upload table ${config.table} (counter ${config.counterColumn})`),
      });
    });

    test('an indexed counter and an INTEGER PRIMARY KEY pass; columns come with their package types', async () => {
      expect(await subject.db.uploads.describeTable(SALE)).toEqual({
        table: 'sale',
        counterColumn: 'counter',
        primaryKey: ['id'],
        columns: [
          { name: 'id', type: 'integer', nullable: false },
          { name: 'amount', type: 'string', nullable: false },
          { name: 'counter', type: 'integer', nullable: false },
        ],
      });
      await expect(subject.db.uploads.describeTable({ table: 'sale', counterColumn: 'id' })).resolves.toMatchObject({
        counterColumn: 'id',
      });
      await expect(subject.db.uploads.describeTable({ table: 'sale_line', counterColumn: 'counter' })).resolves.toMatchObject({
        primaryKey: ['sale_id', 'line'],
      });
    });
  });

  test('retention prunes old Uploaded sessions with their ranges, never the newest nor one not Uploaded', async () => {
    await sales(1n, 2n, 3n, 4n, 5n, 6n);
    for (let published = 0; published < 2; published += 1) {
      const intent = await subject.db.uploads.recordIntent((await plan([SALE], 2)).ranges);
      await subject.db.uploads.markAvailable(intent.id, BUILT);
      await subject.db.uploads.complete(intent.id, BUILT);
    }
    const last = await subject.db.uploads.recordIntent((await plan([SALE], 2)).ranges);
    await subject.db.uploads.markAvailable(last.id, BUILT);
    const future = new Date(Date.now() + 3_600_000);
    expect(await subject.db.uploads.prune(new Date(Date.now() - 3_600_000), 100)).toBe(0);
    expect(await subject.db.uploads.prune(future, 100)).toBe(2);
    expect((await subject.db.uploads.list()).map((s) => [s.sequence, s.status])).toEqual([[3, 'Available']]);
    expect(await subject.db.uploads.findBySequence(1)).toBeNull();
    // The watermark and the numbering go on from where they were.
    expect(await subject.db.uploads.watermarks()).toEqual(new Map([['sale', 4n]]));
    await subject.db.uploads.complete(last.id, BUILT);
    expect(await subject.db.uploads.prune(future, 100)).toBe(0);
    await sales(7n);
    expect((await subject.db.uploads.recordIntent((await plan([SALE], 2)).ranges)).sequence).toBe(4);
  });

  test('an upload goes plan, intent, read, complete; the watermark moves only at complete', async () => {
    await sales(1n, 2n, 3n, 4n, 5n, 6n);
    const first = await plan([SALE], 4);
    expect(first).toEqual({ ranges: [{ table: 'sale', fromExclusive: NO_WATERMARK, toInclusive: 4n, rows: 4 }], rows: 4, paused: [] });
    const intent = await subject.db.uploads.recordIntent(first.ranges);
    expect(intent).toMatchObject({ sequence: 1, status: 'Started', rows: 4, ranges: first.ranges, fileName: null });
    await expect(subject.db.uploads.recordIntent(first.ranges)).rejects.toMatchObject({ code: 'E_UPLOAD_INTENT_PENDING' });
    expect(await subject.db.uploads.snapshot((s) => readCounters(s, SALE, intent.ranges[0] as CounterRange))).toEqual([1, 2, 3, 4]);
    expect(await subject.db.uploads.markAvailable(intent.id, BUILT)).toMatchObject({ status: 'Available', ...BUILT });
    expect(await subject.db.uploads.watermarks()).toEqual(new Map());
    const done = await subject.db.uploads.complete(intent.id, BUILT);
    expect(done).toMatchObject({ status: 'Uploaded', ...BUILT });
    expect(done.uploadedAt).toBeInstanceOf(Date);
    expect(await subject.db.uploads.watermarks()).toEqual(new Map([['sale', 4n]]));
    expect(await subject.db.uploads.pendingIntent()).toBeNull();
    expect((await plan([SALE], 4)).ranges).toEqual([{ table: 'sale', fromExclusive: 4n, toInclusive: 6n, rows: 2 }]);
  });

  test('the row limit spans the tables in order; rows sharing the last counter all go in; no new rows, no ranges', async () => {
    await sales(1n, 2n, 3n);
    await lines(5n, 6n, 6n, 7n);
    expect((await plan([SALE, LINE], 5)).ranges).toEqual([
      { table: 'sale', fromExclusive: NO_WATERMARK, toInclusive: 3n, rows: 3 },
      { table: 'sale_line', fromExclusive: NO_WATERMARK, toInclusive: 6n, rows: 3 },
    ]);
    const all = await plan([SALE, LINE], 100);
    const intent = await subject.db.uploads.recordIntent(all.ranges);
    await subject.db.uploads.complete(intent.id, BUILT);
    expect(await plan([SALE, LINE], 100)).toEqual({ ranges: [], rows: 0, paused: [] });
  });

  test('a snapshot sees the database as it was when it began, whatever the POS commits meanwhile', async () => {
    await sales(1n, 2n, 3n);
    const counters = await subject.db.uploads.snapshot(async (snapshot) => {
      const planned = await snapshot.plan([SALE], 100);
      await sales(4n, 5n);
      await subject.pos('UPDATE sale SET counter = 9 WHERE counter = 2');
      return readCounters(snapshot, SALE, planned.ranges[0] as CounterRange);
    });
    expect(counters).toEqual([1, 2, 3]);
    expect((await plan([SALE], 100)).ranges[0]?.rows).toBe(5);
  });

  test('64-bit counters and watermarks stay exact', async () => {
    const high = 2n ** 62n + 1n;
    await sales(high, high + 1n, 2n ** 63n - 1n);
    const planned = await plan([SALE], 2);
    expect(planned.ranges).toEqual([{ table: 'sale', fromExclusive: NO_WATERMARK, toInclusive: high + 1n, rows: 2 }]);
    const intent = await subject.db.uploads.recordIntent(planned.ranges);
    expect(await subject.db.uploads.snapshot((s) => readCounters(s, SALE, planned.ranges[0] as CounterRange))).toEqual([high, high + 1n]);
    await subject.db.uploads.complete(intent.id, BUILT);
    expect(await subject.db.uploads.watermarks()).toEqual(new Map([['sale', high + 1n]]));
  });

  test('a counter that went backwards pauses that table with E_UPLOAD_COUNTER_BACKWARDS; the others go on', async () => {
    await sales(1n, 2n);
    await lines(1n);
    await subject.db.uploads.setWatermark('sale', 100n);
    const planned = await plan([SALE, LINE], 10);
    expect(planned.ranges.map((r) => r.table)).toEqual(['sale_line']);
    expect(planned.paused).toEqual([
      {
        table: 'sale',
        error: expect.objectContaining({ code: 'E_UPLOAD_COUNTER_BACKWARDS', message: expect.stringMatching(/sale.* 2, below the 100/) }),
      },
    ]);
  });

  test('an intent survives a restart and is published again with the same sequence and ranges', async () => {
    await sales(1n, 2n, 3n);
    const intent = await subject.db.uploads.recordIntent((await plan([SALE], 2)).ranges);
    await subject.db.uploads.markFailed(intent.id, { code: 'E_FOLDER_UNREACHABLE', message: 'share offline' }, null);
    const reopened = await subject.reopen();
    const pending = await reopened.uploads.pendingIntent();
    expect(pending).toMatchObject({
      id: intent.id,
      sequence: 1,
      ranges: intent.ranges,
      status: 'UploadFailed',
      tries: 1,
      errorCode: 'E_FOLDER_UNREACHABLE',
    });
    await reopened.uploads.complete(intent.id, BUILT);
    const next = await reopened.uploads.recordIntent((await reopened.uploads.snapshot((s) => s.plan([SALE], 10))).ranges);
    expect(next).toMatchObject({ sequence: 2, ranges: [{ table: 'sale', fromExclusive: 2n, toInclusive: 3n, rows: 1 }] });
    expect((await reopened.uploads.findBySequence(1))?.status).toBe('Uploaded');
    expect((await reopened.uploads.list({ status: 'Started' })).map((s) => s.sequence)).toEqual([2]);
  });

  test('watermarks never move from a range that does not start where they stand', async () => {
    await sales(1n, 2n);
    const ranges = (await plan([SALE], 10)).ranges;
    await subject.db.uploads.setWatermark('sale', 1n);
    await expect(subject.db.uploads.recordIntent(ranges)).rejects.toMatchObject({ code: 'E_UPLOAD_WATERMARK_MOVED' });
    await subject.db.uploads.setWatermark('sale', NO_WATERMARK);
    const intent = await subject.db.uploads.recordIntent(ranges);
    await subject.db.uploads.setWatermark('sale', 1n);
    await expect(subject.db.uploads.complete(intent.id, BUILT)).rejects.toMatchObject({ code: 'E_UPLOAD_WATERMARK_MOVED' });
    expect(await subject.db.uploads.find(intent.id)).toMatchObject({ status: 'Started' });
    expect(await subject.db.uploads.watermarks()).toEqual(new Map([['sale', 1n]]));
  });

  test("the profile's row filter leaves rows out of the plan and the read", async () => {
    await sales(1n, 2n, 3n, 4n);
    const evenOnly = { ...SALE, filter: 'counter % 2 = 0' };
    const planned = await plan([evenOnly], 10);
    expect(planned.ranges).toEqual([{ table: 'sale', fromExclusive: NO_WATERMARK, toInclusive: 4n, rows: 2 }]);
    expect(await subject.db.uploads.snapshot((s) => readCounters(s, evenOnly, planned.ranges[0] as CounterRange))).toEqual([2, 4]);
  });

  test('over any interleaving of POS inserts and uploads, every row is published exactly once, in counter order', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ inserts: fc.nat(7), ties: fc.boolean(), maxRows: fc.integer({ min: 1, max: 5 }) }), {
          minLength: 1,
          maxLength: 12,
        }),
        async (steps) => {
          runs += 1;
          const table = `sale_${runs}`;
          const config = { table, counterColumn: 'counter' };
          await subject.pos(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, counter INTEGER NOT NULL)`);
          await subject.pos(`CREATE INDEX ${table}_counter ON ${table} (counter)`);
          let counter = 0n;
          const published: CellValue[] = [];
          const publish = async (maxRows: number): Promise<void> => {
            const ranges = (await plan([config], maxRows)).ranges;
            if (ranges.length === 0) return;
            const intent = await subject.db.uploads.recordIntent(ranges);
            published.push(...(await subject.db.uploads.snapshot((s) => readCounters(s, config, ranges[0] as CounterRange))));
            await subject.db.uploads.complete(intent.id, BUILT);
          };
          for (const step of steps) {
            for (let i = 0; i < step.inserts; i += 1) {
              if (!(step.ties && i % 2 === 1)) counter += 1n;
              await subject.pos(`INSERT INTO ${table} (counter) VALUES (?)`, counter);
            }
            await publish(step.maxRows);
          }
          const inserted = (await subject.query(`SELECT counter FROM ${table} ORDER BY counter, id`)).map((r) => r.counter);
          // Bounded, so a planner that never runs dry fails here instead of spinning.
          for (let round = 0; round <= inserted.length && published.length < inserted.length; round += 1) await publish(5);
          await publish(5);
          expect(published).toEqual(inserted);
        },
      ),
      { numRuns: 25 },
    );
  });

  test('a snapshot cannot be used after it ended', async () => {
    const leaked = await subject.db.uploads.snapshot(async (snapshot) => snapshot);
    await expect(leaked.plan([SALE], 1)).rejects.toMatchObject({ code: 'E_SNAPSHOT_ENDED' });
  });
}
