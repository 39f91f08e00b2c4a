import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CellValue, RowBatch, TableSpec } from '../../src/package/types.js';
import { deletes, failingAfter, manifest, seen, stream, table, upserts } from './fixtures.js';
import { deadPid } from '../support/dead-pid.js';
import { openSqliteSubject } from './sqlite-subject.js';
import type { ChannelDatabaseSubject } from './subject.js';

/** More rows than one transaction takes, so that the package streams through staging and a final swap or merge. */
const ROWS = 10_000;

const ITEM = table(
  'item',
  [
    ['id', 'integer', false],
    ['name', 'string'],
    ['price', 'integer'],
  ],
  ['id'],
  // The manifest's counts, not the rows streamed, send a package down the streamed path.
  { upserts: ROWS, deletes: 0 },
);

function items(from: number, count: number, version: string, price = (id: number): CellValue => id): RowBatch[] {
  const batches: RowBatch[] = [];
  for (let start = from; start < from + count; start += 1000) {
    const size = Math.min(1000, from + count - start);
    batches.push(
      upserts(
        ITEM,
        Array.from({ length: size }, (_, i) => [start + i, `${version} ${start + i}`, price(start + i)]),
      ),
    );
  }
  return batches;
}

const SHADOWS = "SELECT name FROM sqlite_schema WHERE name LIKE 'async_client_shadow_%'";

/** The staging files beside the database `file`. */
function stagingFiles(file: string): string[] {
  return readdirSync(path.dirname(file)).filter((name) => name.startsWith(`${path.basename(file)}.staging-`));
}

// A full package's new table is written by a thread of its own, or, with `writerThread` off, by the main thread.
describe.each([
  ['a writer thread', true],
  ['the main thread', false],
])('SQLite: packages larger than one transaction, new tables written by %s', (_label, writerThread) => {
  let subject: ChannelDatabaseSubject & { readonly file: string };
  beforeEach(async () => {
    subject = await openSqliteSubject({ writerThread });
    await subject.pos('CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, price INTEGER CHECK (price >= 0))');
    await subject.pos('CREATE INDEX item_name ON item (name)');
    await subject.pos('CREATE VIEW cheap_item AS SELECT id FROM item WHERE price < 10');
    await subject.pos(
      "WITH RECURSIVE n(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM n WHERE id < 100) INSERT INTO item SELECT id, 'old ' || id, id FROM n",
    );
  });
  afterEach(async () => {
    await subject.cleanup();
  });

  const apply = async (
    sequence: number,
    kind: 'full' | 'incremental',
    batches: AsyncIterable<RowBatch>,
    tables: readonly TableSpec[] = [ITEM],
  ): Promise<unknown> => {
    const session = await seen(subject.db, sequence);
    return subject.db.applyPackage(manifest(sequence, kind, tables), batches, { sessionId: session.id, allowCreateTables: false });
  };

  test("a full package of a table swapped in and one with the POS's triggers, their rows in the same transactions", async () => {
    const LABEL = table(
      'label',
      [
        ['id', 'integer', false],
        ['text', 'string', false],
      ],
      ['id'],
      { upserts: ROWS, deletes: 0 },
    );
    await subject.pos('CREATE TABLE label (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
    await subject.pos('CREATE TABLE label_inserts (n INTEGER NOT NULL)');
    await subject.pos('INSERT INTO label_inserts VALUES (0)');
    await subject.pos('CREATE TRIGGER label_insert AFTER INSERT ON label BEGIN UPDATE label_inserts SET n = n + 1; END');
    // A batch of each table in turn: every staging transaction holds rows of both.
    const both = (price: (id: number) => CellValue): RowBatch[] =>
      items(1, ROWS, 'new', price).flatMap((batch, i) => [
        batch,
        upserts(
          LABEL,
          Array.from({ length: batch.rows.length }, (_, j) => [i * 1000 + j + 1, `label ${i * 1000 + j + 1}`]),
        ),
      ]);
    // A row the shadow's copy refuses: the transaction is written again row by row, past the label rows staged already.
    await expect(apply(1, 'full', stream(...both((id) => (id === 4500 ? -5 : id))), [ITEM, LABEL])).rejects.toMatchObject({
      code: 'E_DATABASE_CONSTRAINT',
      message: expect.stringContaining('upsert of row 4500 of table item'),
    });
    expect(await subject.query('SELECT COUNT(*) AS n FROM item')).toEqual([{ n: 100 }]);
    expect(await subject.query('SELECT COUNT(*) AS n FROM label')).toEqual([{ n: 0 }]);
    expect(await apply(2, 'full', stream(...both((id) => id)), [ITEM, LABEL])).toEqual({ item: ROWS, label: ROWS });
    expect(await subject.query('SELECT COUNT(*) AS n, MAX(name) AS last FROM item')).toEqual([{ n: ROWS, last: 'new 9999' }]);
    expect(await subject.query('SELECT COUNT(*) AS n, MIN(text) AS first FROM label')).toEqual([{ n: ROWS, first: 'label 1' }]);
    expect(await subject.query('SELECT n FROM label_inserts')).toEqual([{ n: ROWS }]);
    expect(await subject.query(SHADOWS)).toEqual([]);
  });

  test('a full package is swapped in whole: the POS reads the old table until then, and keeps its index and view', async () => {
    let seenMidway: Record<string, unknown>[] = [];
    async function* readingMidway(): AsyncIterable<RowBatch> {
      const batches = items(1, ROWS, 'new');
      yield* batches.slice(0, 6);
      seenMidway = await subject.query("SELECT COUNT(*) AS n, MIN(name) AS first FROM item WHERE name LIKE 'old%'");
      yield* batches.slice(6);
    }
    expect(await apply(1, 'full', readingMidway())).toEqual({ item: ROWS });
    expect(seenMidway).toEqual([{ n: 100, first: 'old 1' }]);
    expect(await subject.query('SELECT COUNT(*) AS n, MIN(name) AS first FROM item')).toEqual([{ n: ROWS, first: 'new 1' }]);
    expect(await subject.query("SELECT name FROM sqlite_schema WHERE tbl_name = 'item' AND type = 'index'")).toEqual([
      { name: 'item_name' },
    ]);
    expect(await subject.query('SELECT COUNT(*) AS n FROM cheap_item')).toEqual([{ n: 9 }]);
    expect(await subject.query(SHADOWS)).toEqual([]);
    expect((await subject.query('PRAGMA integrity_check'))[0]).toEqual({ integrity_check: 'ok' });
  });

  test.each([
    ['a rowid table', ''],
    ['a WITHOUT ROWID table', ' WITHOUT ROWID'],
  ])('%s keyed by text keeps its key after the swap: the key still refuses a duplicate', async (_, options) => {
    const sku = table(
      'sku',
      [
        ['code', 'string', false],
        ['name', 'string'],
      ],
      ['code'],
      { upserts: ROWS, deletes: 0 },
    );
    await subject.pos(`CREATE TABLE sku (code TEXT PRIMARY KEY, name TEXT)${options}`);
    const rows = Array.from({ length: ROWS }, (_, i) => [`C${String(i).padStart(6, '0')}`, `sku ${i}`]);
    const session = await seen(subject.db, 1);
    const batches = Array.from({ length: ROWS / 1000 }, (_, b) => upserts(sku, rows.slice(b * 1000, (b + 1) * 1000)));
    expect(
      await subject.db.applyPackage(manifest(1, 'full', [sku]), stream(...batches), { sessionId: session.id, allowCreateTables: false }),
    ).toEqual({ sku: ROWS });
    // By shape: better-sqlite3's error may come from another realm under jest, where toThrow does not see an Error.
    await expect(subject.pos("INSERT INTO sku VALUES ('C000007', 'twice')")).rejects.toMatchObject({
      message: expect.stringMatching(/UNIQUE constraint failed: sku.code/),
    });
    expect(await subject.query("SELECT name FROM sku WHERE code = 'C000007'")).toEqual([{ name: 'sku 7' }]);
    expect((await subject.query('PRAGMA integrity_check'))[0]).toEqual({ integrity_check: 'ok' });
  });

  test('a full package whose row breaks a constraint leaves the old table, names the row, and leaves no shadow', async () => {
    const batches = items(1, ROWS, 'new', (id) => (id === 5000 ? -1 : id));
    await expect(apply(1, 'full', stream(...batches))).rejects.toMatchObject({
      code: 'E_DATABASE_CONSTRAINT',
      message: expect.stringContaining('upsert of row 5000 of table item'),
    });
    expect(await subject.query('SELECT COUNT(*) AS n, MIN(name) AS first FROM item')).toEqual([{ n: 100, first: 'old 1' }]);
    expect(await subject.query(SHADOWS)).toEqual([]);
    expect(await subject.query('SELECT status FROM async_client_download_session WHERE sequence = 1')).toEqual([{ status: 'Available' }]);
  });

  test('a reader that fails part-way through a full package changes nothing and leaves no shadow', async () => {
    const readerError = new Error('package removed by HQ while being read');
    await expect(apply(1, 'full', failingAfter(readerError, ...items(1, 6000, 'new')))).rejects.toBe(readerError);
    expect(await subject.query('SELECT COUNT(*) AS n FROM item')).toEqual([{ n: 100 }]);
    expect(await subject.query(SHADOWS)).toEqual([]);
    expect(await apply(1, 'full', stream(...items(1, ROWS, 'new')))).toEqual({ item: ROWS });
  });

  test("a full package's deletes find nothing in the new table; from a table without a key they are refused, naming the row", async () => {
    expect(await apply(1, 'full', stream(...items(1, ROWS, 'new'), deletes(ITEM, [[99_998], [99_999]])))).toEqual({ item: ROWS });
    expect(await subject.query('SELECT COUNT(*) AS n FROM item')).toEqual([{ n: ROWS }]);
    await subject.pos('CREATE TABLE note (text TEXT)');
    const note = table('note', [['text', 'string']], [], { upserts: ROWS, deletes: 1 });
    const notes = upserts(
      note,
      Array.from({ length: ROWS }, (_, i) => [`note ${i}`]),
    );
    const session = await seen(subject.db, 2);
    await expect(
      subject.db.applyPackage(manifest(2, 'full', [note]), stream(notes, deletes(note, [[]])), {
        sessionId: session.id,
        allowCreateTables: false,
      }),
    ).rejects.toMatchObject({ code: 'E_SCHEMA_KEY_MISMATCH', message: expect.stringContaining(`delete of row ${ROWS + 1} of table note`) });
    expect(await subject.query('SELECT COUNT(*) AS n FROM note')).toEqual([{ n: 0 }]);
    expect(await subject.query(SHADOWS)).toEqual([]);
  });

  test('an incremental package is staged, then upserted and deleted by key in the final transaction', async () => {
    const batches = [...items(50, ROWS, 'new'), deletes(ITEM, [[1], [2], [99_999]])];
    expect(await apply(1, 'incremental', stream(...batches))).toEqual({ item: ROWS + 2 });
    expect(await subject.query('SELECT COUNT(*) AS n FROM item')).toEqual([{ n: ROWS + 49 - 2 }]);
    expect(await subject.query('SELECT name FROM item WHERE id IN (3, 50, 10049) ORDER BY id')).toEqual([
      { name: 'old 3' },
      { name: 'new 50' },
      { name: 'new 10049' },
    ]);
  });

  test('an incremental row that breaks a constraint is named by its place in the package, and nothing is applied', async () => {
    const batches = items(1, ROWS, 'new', (id) => (id === 4500 ? -5 : id));
    await expect(apply(1, 'incremental', stream(...batches))).rejects.toMatchObject({
      code: 'E_DATABASE_CONSTRAINT',
      message: expect.stringContaining('upsert of row 4500 of table item'),
    });
    expect(await subject.query('SELECT COUNT(*) AS n, MIN(name) AS first FROM item')).toEqual([{ n: 100, first: 'old 1' }]);
  });

  test("a full package into a table with the POS's triggers fires them row by row, as a delete and insert would", async () => {
    await subject.pos('CREATE TABLE item_changes (n INTEGER NOT NULL)');
    await subject.pos('INSERT INTO item_changes VALUES (0)');
    await subject.pos('CREATE TRIGGER item_insert AFTER INSERT ON item BEGIN UPDATE item_changes SET n = n + 1; END');
    await subject.pos('CREATE TRIGGER item_delete AFTER DELETE ON item BEGIN UPDATE item_changes SET n = n + 1000; END');
    expect(await apply(1, 'full', stream(...items(1, ROWS, 'new')))).toEqual({ item: ROWS });
    expect(await subject.query('SELECT n FROM item_changes')).toEqual([{ n: 100 * 1000 + ROWS }]);
    expect(await subject.query("SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name")).toEqual([
      { name: 'item_delete' },
      { name: 'item_insert' },
    ]);
  });

  test('the final commit is flushed, though the package was recorded and staged by unflushed ones', async () => {
    await subject.pos('CREATE TABLE commit_levels (synchronous INTEGER NOT NULL)');
    await subject.pos(
      'CREATE TRIGGER item_level AFTER INSERT ON item BEGIN INSERT INTO commit_levels SELECT synchronous FROM pragma_synchronous; END',
    );
    expect(await apply(1, 'incremental', stream(...items(101, ROWS, 'new')))).toEqual({ item: ROWS });
    expect(await subject.query('SELECT synchronous, COUNT(*) AS n FROM commit_levels GROUP BY synchronous')).toEqual([
      { synchronous: 2, n: ROWS },
    ]);
  });

  test('an incremental package stages its rows in a file beside the database, removed once applied or refused', async () => {
    const staged: string[] = [];
    // Sampled while the rows stream: the staging file is there then, and gone after.
    async function* watched(batches: AsyncIterable<RowBatch>): AsyncIterable<RowBatch> {
      for await (const batch of batches) {
        staged.push(...stagingFiles(subject.file));
        yield batch;
      }
    }
    expect(await apply(1, 'incremental', watched(stream(...items(1, ROWS, 'new'))))).toEqual({ item: ROWS });
    const ours = new RegExp(`^${path.basename(subject.file)}\\.staging-${process.pid}-\\d+$`);
    expect([...new Set(staged)]).toEqual([expect.stringMatching(ours)]);
    expect(stagingFiles(subject.file)).toEqual([]);
    const refused = items(1, ROWS, 'newer', (id) => (id === 4500 ? -5 : id));
    await expect(apply(2, 'incremental', stream(...refused))).rejects.toMatchObject({ code: 'E_DATABASE_CONSTRAINT' });
    expect(stagingFiles(subject.file)).toEqual([]);
  });

  test("a staging file a killed process left behind is removed by the next apply; a live process's is left alone", async () => {
    const dead = `${subject.file}.staging-${deadPid()}-1`;
    const live = `${subject.file}.staging-${process.ppid}-1`;
    writeFileSync(dead, 'left by a killed apply');
    writeFileSync(live, 'staged by another daemon now');
    expect(await apply(1, 'incremental', stream(...items(1, ROWS, 'new')))).toEqual({ item: ROWS });
    expect(existsSync(dead)).toBe(false);
    expect(readFileSync(live, 'utf8')).toBe('staged by another daemon now');
    rmSync(live);
  });

  test('a shadow a killed process left behind is dropped by the next apply', async () => {
    const dead = deadPid();
    await subject.pos(`CREATE TABLE async_client_shadow_${dead}_1 (id INTEGER PRIMARY KEY)`);
    expect(await apply(1, 'incremental', stream(...items(1, 10, 'new')))).toEqual({ item: 10 });
    expect(await subject.query(SHADOWS)).toEqual([]);
  });
});
