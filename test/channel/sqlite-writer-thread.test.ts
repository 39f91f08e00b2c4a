import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { CellValue } from '../../src/package/types.js';
import { AS_READ, type RowTarget } from '../../src/channel/sqlite-row-writer.js';
import { ANSWERS_PER_CHECKPOINT_HERE, COMMITS_PER_CHECKPOINT, IN_FLIGHT, WriterThread } from '../../src/channel/sqlite-writer-thread.js';
import { ThreadRowFailure } from '../../src/channel/sqlite-writer-thread-protocol.js';
import { until } from '../support/until.js';

const COLUMNS = ['id', 'value', 'note'];
const TARGET: RowTarget = { into: 'item', numbered: false, conflict: '', deleteSql: null };
const SPEC = {
  name: 'item',
  columns: COLUMNS.map((name) => ({ name, type: 'string' as const, nullable: true })),
  primaryKey: ['id'],
  upsertCount: 0,
  deleteCount: 0,
};
const BINDERS = COLUMNS.map(() => AS_READ);

/** The threads of this process, as the kernel counts them. */
const threads = (): number => readdirSync('/proc/self/task').length;

/**
 * The thread count once it has held still for half a second (10 s at most). A joined thread
 * leaves /proc a moment after its 'exit' (the kernel wakes the joiner before it releases the
 * task), on a loaded machine longer: one an earlier test stopped, counted here, would hide one
 * this test leaks.
 */
async function settledThreads(): Promise<number> {
  let count = threads();
  for (let still = 0, tries = 0; still < 5 && tries < 100; tries += 1) {
    await sleep(100);
    const now = threads();
    still = now === count ? still + 1 : 0;
    count = now;
  }
  return count;
}

/** Waits until the process has no more than `count` threads again; a leaked thread never leaves. */
const threadsBackTo = (count: number): Promise<void> => until(`the process back to ${count} threads`, () => threads() <= count, 10_000);

/** Values of every kind better-sqlite3 binds, with the edges of the encoding that carries them across. */
const EDGES: readonly CellValue[] = [
  null,
  0,
  -1.5,
  Number.MAX_SAFE_INTEGER,
  2n ** 63n - 1n,
  -(2n ** 63n),
  '',
  'plain ASCII',
  'é and ü in Latin-1',
  'a 4-byte 😀 and a CJK 字',
  '\u0000 and \u007f at the edges of ASCII, \u0080 past it',
  Buffer.from([]),
  Buffer.from([0, 1, 2, 255]),
];
/** Strings larger than a transaction's first text buffer, at two rows. */
const LARGE: ReadonlyMap<number, string> = new Map([
  [1500, 'x'.repeat(300_000)],
  [4500, 'é'.repeat(150_000)],
]);

describe('SQLite: the writer thread', () => {
  let folder: string;
  let location: string;
  let db: Database.Database;
  let thread: WriterThread | null = null;
  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'async-client-writer-thread-'));
    location = path.join(folder, 'channel.db');
    db = new Database(location, { timeout: 100 });
    db.pragma('journal_mode = WAL');
    db.exec("CREATE TABLE item (id INTEGER PRIMARY KEY, value, note TEXT CHECK (note IS NULL OR note <> 'refused'))");
    db.exec('CREATE TABLE expected (id INTEGER PRIMARY KEY, value, note TEXT)');
  });
  afterEach(async () => {
    await thread?.stop();
    thread = null;
    db.close();
    await rm(folder, { recursive: true, force: true });
  });

  const started = async (): Promise<WriterThread> => {
    const started = await WriterThread.start(db, location);
    if (started === null) throw new Error('the writer thread did not start');
    thread = started;
    return started;
  };
  const itemTarget = (writer: WriterThread): number => writer.target(SPEC, TARGET);
  const stored = (table: string): unknown[] => db.prepare(`SELECT id, typeof(value) AS type, value, note FROM ${table} ORDER BY id`).all();

  test('every kind of value is stored as this thread would bind it, across several transactions and grown buffers', async () => {
    const writer = await started();
    const target = itemTarget(writer);
    const rows: CellValue[][] = [];
    let id = 0;
    // 6 transactions of 1,500 rows, more than are in flight at once: more values than the first buffers hold, each
    // builder written again, groups of 16 and a remainder of single rows.
    for (let transaction = 0; transaction < 6; transaction++) {
      for (let i = 0; i < 1500; i++) {
        id += 1;
        const value = LARGE.get(id) ?? (EDGES[id % EDGES.length] as CellValue);
        const note = id % 7 === 0 ? null : `note ${id} ✓`;
        writer.append(target, [id, value, note], BINDERS, id);
        rows.push([id, value, note]);
      }
      await writer.commit(() => undefined);
    }
    await writer.drain();
    expect(writer.changesOf(target)).toBe(id);
    const expected = db.prepare('INSERT INTO expected (id, value, note) VALUES (?, ?, ?)');
    for (const row of rows) expected.run(...row);
    expect(stored('item')).toEqual(stored('expected'));
  });

  test('rows of megabytes keep fewer transactions in flight, so that their shared buffers stay bounded', async () => {
    const writer = await started();
    const target = itemTarget(writer);
    const picture = 'p'.repeat(4_000_000);
    let mostInFlight = 0;
    for (let row = 1; row <= 12; row++) {
      writer.append(target, [row, picture, null], BINDERS, row);
      await writer.commit(() => undefined);
      mostInFlight = Math.max(mostInFlight, writer.rowsInFlight);
    }
    await writer.drain();
    // A transaction of one such row holds some 12 MB of shared text (room for 3 bytes a character): two fit the bound, not eight.
    expect(mostInFlight).toBeLessThanOrEqual(2);
    expect(db.prepare('SELECT COUNT(*) AS n, SUM(LENGTH(value)) AS chars FROM item').get()).toEqual({ n: 12, chars: 12 * 4_000_000 });
  });

  test('a row that breaks a constraint is named by its number, and its transaction leaves nothing', async () => {
    const writer = await started();
    const target = itemTarget(writer);
    const committed: number[] = [];
    for (let row = 1; row <= 100; row++) writer.append(target, [row, row, 'fine'], BINDERS, row);
    await writer.commit((rows) => committed.push(rows));
    for (let row = 101; row <= 200; row++) writer.append(target, [row, row, row === 150 ? 'refused' : 'fine'], BINDERS, row);
    await writer.commit((rows) => committed.push(rows));
    const failure = await writer.drain().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ThreadRowFailure);
    expect(failure).toMatchObject({ target, row: 150, cause: { name: 'SqliteError', code: 'SQLITE_CONSTRAINT_CHECK' } });
    expect(committed).toEqual([100]);
    expect(db.prepare('SELECT COUNT(*) AS n, MAX(id) AS last FROM item').get()).toEqual({ n: 100, last: 100 });
  });

  test('a key written by an earlier transaction is named at the row that repeats it', async () => {
    const writer = await started();
    const target = itemTarget(writer);
    for (let row = 1; row <= 100; row++) writer.append(target, [row, row, null], BINDERS, row);
    await writer.commit(() => undefined);
    // Each transaction's rows are copied by one statement: its failure names no row until they are written again one by one.
    for (let row = 101; row <= 200; row++) writer.append(target, [row === 160 ? 40 : row, row, null], BINDERS, row);
    await writer.commit(() => undefined);
    const failure = await writer.drain().catch((error: unknown) => error);
    expect(failure).toMatchObject({ target, row: 160, cause: { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' } });
    expect(db.prepare('SELECT COUNT(*) AS n, MAX(id) AS last FROM item').get()).toEqual({ n: 100, last: 100 });
  });

  test("another writer holding the lock past the wait is SQLite's SQLITE_BUSY, not a row's failure", async () => {
    const writer = await started();
    const target = itemTarget(writer);
    const pos = new Database(location);
    pos.exec('BEGIN IMMEDIATE');
    try {
      writer.append(target, [1, 1, null], BINDERS, 1);
      await writer.commit(() => undefined);
      const failure = await writer.drain().catch((error: unknown) => error);
      expect(failure).not.toBeInstanceOf(ThreadRowFailure);
      expect(failure).toMatchObject({ name: 'SqliteError', code: 'SQLITE_BUSY' });
    } finally {
      pos.exec('ROLLBACK');
      pos.close();
    }
    expect(db.prepare('SELECT COUNT(*) AS n FROM item').get()).toEqual({ n: 0 });
  });

  test('a thread that cannot open the database is not started, and none is left running', async () => {
    const before = await settledThreads();
    expect(await WriterThread.start(db, path.join(folder, 'missing.db'))).toBeNull();
    await threadsBackTo(before);
  });

  test('the thread copies the WAL into the database every few transactions, long before SQLite would', async () => {
    const writer = await started();
    const target = itemTarget(writer);
    const sizeBefore = statSync(location).size;
    // Some 30 pages of WAL in all: SQLite's own checkpoint waits for 1,000.
    for (let transaction = 0; transaction < COMMITS_PER_CHECKPOINT; transaction++) {
      for (let row = transaction * 20 + 1; row <= (transaction + 1) * 20; row++)
        writer.append(target, [row, 'x'.repeat(100), null], BINDERS, row);
      await writer.commit(() => undefined);
    }
    // The worker takes its messages in order: it has checkpointed before it stops.
    await writer.stop();
    thread = null;
    expect(statSync(location).size).toBeGreaterThan(sizeBefore);
    expect(db.prepare('SELECT COUNT(*) AS n FROM item').get()).toEqual({ n: COMMITS_PER_CHECKPOINT * 20 });
  });

  test('while the transactions in flight are full, this thread copies the WAL into the database, not the worker', async () => {
    // The worker waits for the lock held below as long as it takes.
    db.pragma('busy_timeout = 10000');
    const writer = await started();
    const target = itemTarget(writer);
    let row = 0;
    const send = async (transactions: number): Promise<void> => {
      for (let transaction = 0; transaction < transactions; transaction++) {
        for (let i = 0; i < 20; i++) {
          row += 1;
          writer.append(target, [row, 'x'.repeat(100), null], BINDERS, row);
        }
        await writer.commit(() => undefined);
      }
    };
    await send(ANSWERS_PER_CHECKPOINT_HERE);
    await writer.drain();
    const sizeBefore = statSync(location).size;
    // Another connection holds the write lock: the next transactions stay in flight until it lets go.
    const blocker = new Database(location);
    blocker.exec('BEGIN IMMEDIATE');
    const sent = send(IN_FLIGHT);
    try {
      // Fewer transactions than the worker's own checkpoint waits for: only this thread's copies pages into the file.
      expect(ANSWERS_PER_CHECKPOINT_HERE + IN_FLIGHT).toBeLessThan(COMMITS_PER_CHECKPOINT);
      await until('the database file grown by a checkpoint', () => statSync(location).size > sizeBefore, 10_000);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    await sent;
    await writer.drain();
    expect(db.prepare('SELECT COUNT(*) AS n FROM item').get()).toEqual({ n: row });
  });

  test('stop ends the thread after what it was sent', async () => {
    const before = await settledThreads();
    const writer = await started();
    expect(threads()).toBeGreaterThan(before);
    const target = itemTarget(writer);
    writer.append(target, [1, 'last', null], BINDERS, 1);
    await writer.commit(() => undefined);
    await writer.stop();
    thread = null;
    expect(db.prepare('SELECT value FROM item').all()).toEqual([{ value: 'last' }]);
    await threadsBackTo(before);
  });
});
