import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import { openSqliteChannelDatabase } from '../../src/channel/sqlite-channel-database.js';
import { Decimal, type RowBatch } from '../../src/package/types.js';
import { manifest, PRODUCT, products, seen, upserts } from './fixtures.js';
import { HOLD_WRITE_LOCK, POS_WRITER, SqliteProcess } from './sqlite-processes.js';
import { openSqliteSubject } from './sqlite-subject.js';
import type { ChannelDatabaseSubject } from './subject.js';

describe('SQLite channel database shared with other processes', () => {
  let subject: ChannelDatabaseSubject & { readonly file: string };
  let other: SqliteProcess | undefined;

  beforeEach(async () => {
    subject = await openSqliteSubject();
  });
  afterEach(async () => {
    await other?.stop();
    other = undefined;
    await subject.cleanup();
  });

  test('a writer holding the database past the busy timeout gives E_DATABASE_BUSY, nothing applied; later it goes through', async () => {
    const db: ChannelDatabase = await openSqliteChannelDatabase(subject.file, { channelId: 'store-1', busyTimeoutMs: 200 });
    try {
      const session = await seen(db, 1);
      other = SqliteProcess.start(HOLD_WRITE_LOCK, subject.file);
      expect(await other.nextLine()).toBe('locked');
      const pkg = manifest(1, 'full', [PRODUCT]);
      await expect(db.applyPackage(pkg, products(10), { sessionId: session.id, allowCreateTables: true })).rejects.toMatchObject({
        code: 'E_DATABASE_BUSY',
        message: expect.stringContaining(subject.file),
      });
      expect(await subject.query("SELECT name FROM sqlite_schema WHERE name = 'product'")).toEqual([]);
      expect((await db.downloads.find(session.id))?.status).toBe('Available');
      other.send('release');
      expect(await other.exit()).toBe(0);
      expect(await db.applyPackage(pkg, products(10), { sessionId: session.id, allowCreateTables: true })).toEqual({ product: 10 });
    } finally {
      await db.close();
    }
  });

  test('a POS process writing sales all through a large apply waits its turn and loses nothing', async () => {
    await subject.pos('CREATE TABLE pos_sale (id INTEGER PRIMARY KEY, amount TEXT NOT NULL)');
    const session = await seen(subject.db, 1);
    other = SqliteProcess.start(POS_WRITER, subject.file);
    expect(await other.nextLine()).toBe('writing');
    const rows = 200_000;
    // Counted in the manifest, as a real package's rows are: the count sends it down the streamed path.
    const counts = await subject.db.applyPackage(manifest(1, 'full', [{ ...PRODUCT, upsertCount: rows }]), products(rows), {
      sessionId: session.id,
      allowCreateTables: true,
    });
    other.send('stop');
    const report = JSON.parse(await other.nextLine()) as { written: number; longestWaitMs: number };
    expect(await other.exit()).toBe(0);
    expect(counts).toEqual({ product: rows });
    expect(await subject.query('SELECT COUNT(*) AS n FROM product')).toEqual([{ n: rows }]);
    expect(await subject.query('SELECT COUNT(*) AS n FROM pos_sale')).toEqual([{ n: report.written }]);
    expect(report.written).toBeGreaterThan(1);
    expect(await subject.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  });

  test('the POS reads committed data while an apply is in flight (WAL)', async () => {
    await subject.pos('CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT, price TEXT)');
    await subject.pos("INSERT INTO product VALUES (1, 'tea', '2.50')");
    const session = await seen(subject.db, 1);
    let seenByPos: Record<string, unknown>[] = [];
    async function* readingMidway(): AsyncIterable<RowBatch> {
      yield upserts(PRODUCT, [[1, 'green tea', new Decimal('2.60')]]);
      seenByPos = await subject.query('SELECT name FROM product');
      yield upserts(PRODUCT, [[2, 'coffee', null]]);
    }
    await subject.db.applyPackage(manifest(1, 'incremental', [PRODUCT]), readingMidway(), {
      sessionId: session.id,
      allowCreateTables: false,
    });
    expect(seenByPos).toEqual([{ name: 'tea' }]);
    expect(await subject.query('SELECT name FROM product ORDER BY id')).toEqual([{ name: 'green tea' }, { name: 'coffee' }]);
  });
});
