import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openPackageForApply } from '../../src/package/reader.js';
import { Decimal, type PackageKind, type PackageRow, type RowBatch, type TableSpec } from '../../src/package/types.js';
import { FORMAT_NAME, FORMAT_VERSION } from '../../src/package/manifest.js';
import { TableCodec } from '../../src/package/table-codec.js';
import { frameContent, manifestFor, writePackage } from '../package/package-fixtures.js';
import { seen } from './fixtures.js';
import { openSqliteSubject } from './sqlite-subject.js';
import type { ChannelDatabaseSubject } from './subject.js';

/** More rows than a small package, so that a full package's new table is written by the writer thread. */
const ROWS = 10_000;

const ITEM: TableSpec = {
  name: 'item',
  columns: [
    { name: 'id', type: 'integer', nullable: false },
    { name: 'name', type: 'string', nullable: true },
    { name: 'price', type: 'decimal', nullable: false },
    { name: 'qty', type: 'integer', nullable: false },
    { name: 'active', type: 'boolean', nullable: false },
    { name: 'at', type: 'timestamp', nullable: true },
  ],
  primaryKey: ['id'],
  upsertCount: ROWS,
  deleteCount: 0,
};

/** Every kind of value a plain line holds, and now and then a line that only JSON.parse reads (an escape). */
function itemRow(id: number): PackageRow {
  const name = id % 7 === 0 ? null : id % 1000 === 500 ? `say "${id}"` : id % 3 === 0 ? `crème ${id} 😀` : `item ${id}`;
  const at = id % 11 === 0 ? null : new Date(1_767_225_600_000 + id * 61_000);
  return { op: 'upsert', values: [id, name, new Decimal(`${id % 50}.${id % 100}`), id % 13, id % 2 === 0, at] };
}

const MANIFEST = manifestFor([ITEM], { kind: 'full', channelId: 'store-1' });
/** A key the store holds before the package: a full package leaves it out, an incremental one deletes it. */
const GONE = ROWS + 1;

/**
 * The package's rows: a full package's upserts; an incremental one's with the delete of GONE
 * among them, so that its staged rows are numbered by their place in the package.
 */
function packageRows(kind: PackageKind, upserts: readonly PackageRow[]): PackageRow[] {
  return kind === 'full' ? [...upserts] : [...upserts.slice(0, 5000), { op: 'delete', key: [GONE] }, ...upserts.slice(5000)];
}
const SHADOWS = "SELECT name FROM sqlite_schema WHERE name LIKE 'async_client_shadow_%'";
const CONTENT =
  'SELECT id, name, typeof(name) AS nameType, price, typeof(price) AS priceType, qty, typeof(qty) AS qtyType, active, at FROM item ORDER BY id';

/** The package's batches without the offer to take rows over: the rows path, as a reader that offers nothing gives them. */
async function* withoutHandOver(batches: AsyncIterable<RowBatch>): AsyncIterable<RowBatch> {
  for await (const { table, rows, chars } of batches) yield { table, rows, chars };
}

describe('SQLite: a large full package whose plain lines the reader hands over unmade', () => {
  let folder: string;
  const subjects: (ChannelDatabaseSubject & { readonly file: string })[] = [];

  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'async-client-handed-over-'));
  });
  afterEach(async () => {
    for (const subject of subjects.splice(0)) await subject.cleanup();
    await rm(folder, { recursive: true, force: true });
  });

  async function store(): Promise<ChannelDatabaseSubject & { readonly file: string }> {
    const subject = await openSqliteSubject({ writerThread: true });
    subjects.push(subject);
    await subject.pos(
      'CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, price TEXT NOT NULL, qty INTEGER CHECK (qty >= 0), active INTEGER, at TEXT)',
    );
    await subject.pos(`INSERT INTO item VALUES (1, 'old', '1.00', 1, 1, NULL), (${GONE}, 'gone', '1.00', 1, 1, NULL)`);
    return subject;
  }

  async function packageFile(rows: readonly PackageRow[], kind: PackageKind = 'full'): Promise<string> {
    const file = path.join(folder, `items-${rows.length}-${Math.random().toString(36).slice(2)}.acpkg`);
    const deletes = rows.filter((row) => row.op === 'delete').length;
    const spec = { ...ITEM, upsertCount: rows.length - deletes, deleteCount: deletes };
    await writeFile(file, await writePackage({ ...MANIFEST, kind, tables: [spec] }, new Map([['item', rows]])));
    return file;
  }

  async function apply(subject: ChannelDatabaseSubject, file: string, offer: 'offered' | 'not offered'): Promise<unknown> {
    const opened = await openPackageForApply(file);
    const session = await seen(subject.db, opened.manifest.sequence);
    const batches = offer === 'offered' ? opened.batches() : withoutHandOver(opened.batches());
    return subject.db.applyPackage(opened.manifest, batches, { sessionId: session.id, allowCreateTables: false });
  }

  it.each(['full', 'incremental'] as const)(
    '%s package: writes the same table as the rows path, value for value and type for type, the rows taken over as they are read',
    async (kind) => {
      const file = await packageFile(
        packageRows(
          kind,
          Array.from({ length: ROWS }, (_, i) => itemRow(i + 1)),
        ),
        kind,
      );
      const [handedOver, asRows] = [await store(), await store()];

      const opened = await openPackageForApply(file);
      let taken = 0;
      async function* counting(): AsyncIterable<RowBatch> {
        for await (const batch of opened.batches()) {
          taken += batch.taken ?? 0;
          yield batch;
        }
      }
      const session = await seen(handedOver.db, opened.manifest.sequence);
      await handedOver.db.applyPackage(opened.manifest, counting(), { sessionId: session.id, allowCreateTables: false });
      await apply(asRows, file, 'not offered');

      // All but the rows read before the writer thread took over: the first batch, and what the reader had queued behind it.
      expect(taken).toBeGreaterThan(ROWS - 2000);
      const content = await handedOver.query(CONTENT);
      expect(content).toHaveLength(ROWS);
      expect(content).toEqual(await asRows.query(CONTENT));
      expect(content[2]).toEqual({
        id: 3,
        name: 'crème 3 😀',
        nameType: 'text',
        price: '3.3',
        priceType: 'text',
        qty: 3,
        qtyType: 'integer',
        active: 0,
        at: '2026-01-01T00:03:03.000Z',
      });
      expect(content[499]).toMatchObject({ id: 500, name: 'say "500"' });
      expect(await handedOver.query(SHADOWS)).toEqual([]);
    },
  );

  it.each([
    ['full', 7000],
    ['incremental', 7001],
  ] as const)(
    '%s package: names a row the database refuses among those taken over (row %d), and leaves the old table',
    async (kind, named) => {
      const upserts = Array.from({ length: ROWS }, (_, i) => itemRow(i + 1));
      upserts[6999] = { op: 'upsert', values: [7000, 'bad', new Decimal('1'), -1, true, null] };
      const subject = await store();
      await expect(apply(subject, await packageFile(packageRows(kind, upserts), kind), 'offered')).rejects.toMatchObject({
        code: 'E_DATABASE_CONSTRAINT',
        message: expect.stringContaining(`upsert of row ${named} of table item`),
      });
      expect(await subject.query('SELECT id, name FROM item ORDER BY id')).toEqual([
        { id: 1, name: 'old' },
        { id: GONE, name: 'gone' },
      ]);
      expect(await subject.query(SHADOWS)).toEqual([]);
    },
  );

  it('refuses a key twice among the rows taken over, as the reader checks every row, and leaves the old table', async () => {
    // Framed by hand: the package writer refuses to write a key twice.
    const codec = new TableCodec(ITEM);
    const lines = [
      JSON.stringify({ format: FORMAT_NAME, formatVersion: FORMAT_VERSION, ...MANIFEST }),
      JSON.stringify({ table: ITEM.name }),
      ...Array.from({ length: ROWS }, (_, i) => codec.encode(itemRow(i === 7999 ? 42 : i + 1))),
    ];
    const file = path.join(folder, 'twice.acpkg');
    await writeFile(file, frameContent(lines));
    const subject = await store();
    await expect(apply(subject, file, 'offered')).rejects.toMatchObject({
      code: 'E_PACKAGE_DUPLICATE_KEY',
      message: expect.stringContaining('line 8002, table item: primary key "42" appears twice'),
    });
    expect(await subject.query('SELECT id, name FROM item ORDER BY id')).toEqual([
      { id: 1, name: 'old' },
      { id: GONE, name: 'gone' },
    ]);
    expect(await subject.query(SHADOWS)).toEqual([]);
  });
});
