import pg from 'pg';
import { openPostgresChannelDatabase } from '../../src/channel/postgres-channel-database.js';
import { Decimal } from '../../src/package/types.js';
import { applied, manifest, PRODUCT, upserts } from './fixtures.js';
import { openPostgresSubject } from './postgres-subject.js';

/** What a swap must carry over, read from the catalog: a new table shows only in its oid. */
const DEFINITION = `SELECT c.oid::text AS oid, c.reloptions::text AS options, c.relacl::text AS acl, obj_description(c.oid, 'pg_class') AS comment,
    (SELECT string_agg(pg_get_indexdef(i.indexrelid), '; ' ORDER BY i.indexrelid::regclass::text) FROM pg_index i WHERE i.indrelid = c.oid) AS indexes,
    (SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), '; ' ORDER BY conname) FROM pg_constraint WHERE conrelid = c.oid) AS constraints
  FROM pg_class c WHERE c.oid = 'product'::regclass`;

describe('PostgreSQL full package swapped in as a new table', () => {
  let subject: Awaited<ReturnType<typeof openPostgresSubject>>;
  beforeEach(async () => {
    subject = await openPostgresSubject();
  });
  afterEach(async () => {
    await subject.cleanup();
  });

  test('the new table keeps the old one’s grants, indexes, constraints, defaults, options and comment', async () => {
    await subject.pos(`CREATE TABLE product (id bigint PRIMARY KEY, name text NOT NULL DEFAULT 'unnamed' CHECK (name <> ''),
      price numeric(10,2)) WITH (fillfactor = 90)`);
    await subject.pos('CREATE INDEX product_by_name ON product (name) WHERE price IS NOT NULL');
    await subject.pos('CREATE UNIQUE INDEX product_name_price ON product (name, price)');
    await subject.pos("COMMENT ON TABLE product IS 'HQ''s products'");
    await subject.pos('GRANT SELECT ON product TO PUBLIC');
    await subject.pos("INSERT INTO product VALUES (1, 'tea', 2.50), (2, 'coffee', 3.10)");
    const [before] = await subject.query(DEFINITION);

    const session = await applied(
      subject.db,
      manifest(1, 'full', [PRODUCT]),
      upserts(PRODUCT, [
        [2, 'espresso', new Decimal('2.90')],
        [3, 'milk', null],
      ]),
    );

    const [after] = await subject.query(DEFINITION);
    expect(after?.oid).not.toBe(before?.oid);
    expect({ ...after, oid: null }).toEqual({ ...before, oid: null });
    expect(await subject.query('SELECT id, name, price FROM product ORDER BY id')).toEqual([
      { id: 2, name: 'espresso', price: '2.90' },
      { id: 3, name: 'milk', price: null },
    ]);
    await subject.pos('INSERT INTO product (id) VALUES (4)');
    expect(await subject.query('SELECT name FROM product WHERE id = 4')).toEqual([{ name: 'unnamed' }]);
    await expect(subject.pos("INSERT INTO product VALUES (5, '', 1)")).rejects.toMatchObject({ code: '23514' });
    expect(await subject.db.downloads.find(session.id)).toMatchObject({ status: 'Applied' });
    expect(await subject.query("SELECT relname FROM pg_class WHERE relname LIKE 'async_client_swap%'")).toEqual([]);
  });

  test('a POS transaction whose snapshot predates the swap reads the new rows, not an empty table', async () => {
    await subject.pos('CREATE TABLE product (id bigint PRIMARY KEY, name text, price numeric)');
    await subject.pos("INSERT INTO product VALUES (1, 'tea', 2.50)");
    await subject.pos('CREATE TABLE till (id bigint)');
    const pos = new pg.Client({ connectionString: subject.database.url });
    await pos.connect();
    try {
      await pos.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await pos.query('SELECT COUNT(*) FROM till');
      await applied(subject.db, manifest(1, 'full', [PRODUCT]), upserts(PRODUCT, [[7, 'bread', new Decimal('0.99')]]));
      expect((await pos.query('SELECT id::int AS id FROM product')).rows).toEqual([{ id: 7 }]);
      await pos.query('COMMIT');
    } finally {
      await pos.end();
    }
  });

  test('a POS session idle in a transaction that read the table does not hold the apply up: the rows are copied in place', async () => {
    await subject.pos('CREATE TABLE product (id bigint PRIMARY KEY, name text, price numeric)');
    await subject.pos("INSERT INTO product VALUES (1, 'tea', 2.50)");
    const [before] = await subject.query("SELECT 'product'::regclass::oid::text AS oid");
    const pos = new pg.Client({ connectionString: subject.database.url });
    await pos.connect();
    try {
      await pos.query('BEGIN');
      expect((await pos.query('SELECT name FROM product')).rows).toEqual([{ name: 'tea' }]);
      await applied(subject.db, manifest(1, 'full', [PRODUCT]), upserts(PRODUCT, [[7, 'bread', new Decimal('0.99')]]));
      expect((await pos.query('SELECT name FROM product')).rows).toEqual([{ name: 'bread' }]);
      await pos.query('COMMIT');
    } finally {
      await pos.end();
    }
    expect(await subject.query("SELECT 'product'::regclass::oid::text AS oid")).toEqual([before]);
    expect(await subject.query("SELECT relname FROM pg_class WHERE relname LIKE 'async_client_swap%'")).toEqual([]);
  });

  test('a table a view reads is replaced in place: the view shows the new rows', async () => {
    await subject.pos('CREATE TABLE product (id bigint PRIMARY KEY, name text, price numeric)');
    await subject.pos("INSERT INTO product VALUES (1, 'tea', 2.50)");
    await subject.pos('CREATE VIEW cheap AS SELECT name FROM product WHERE price < 3');
    const [before] = await subject.query("SELECT 'product'::regclass::oid::text AS oid");

    await applied(subject.db, manifest(1, 'full', [PRODUCT]), upserts(PRODUCT, [[7, 'bread', new Decimal('0.99')]]));

    expect(await subject.query("SELECT 'product'::regclass::oid::text AS oid")).toEqual([before]);
    expect(await subject.query('SELECT name FROM cheap')).toEqual([{ name: 'bread' }]);
  });

  test('a service user that only holds grants on the table replaces its rows in place; made its owner, it swaps', async () => {
    await subject.pos('CREATE TABLE product (id bigint PRIMARY KEY, name text, price numeric)');
    await subject.pos(
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'store_sync') THEN CREATE ROLE store_sync LOGIN PASSWORD 'sync-pass'; END IF; END $$`,
    );
    await subject.pos('CREATE SCHEMA sync_journal AUTHORIZATION store_sync');
    await subject.pos('GRANT USAGE ON SCHEMA public TO store_sync');
    await subject.pos('GRANT SELECT, INSERT, UPDATE, DELETE ON product TO store_sync');
    const db = await openPostgresChannelDatabase(
      { ...subject.database.target, user: 'store_sync', password: 'sync-pass', journalSchema: 'sync_journal' },
      { channelId: 'store-1' },
    );
    const oid = async (): Promise<unknown> => (await subject.query("SELECT 'product'::regclass::oid::text AS oid"))[0]?.oid;
    try {
      await db.migrate();
      const before = await oid();
      await applied(db, manifest(1, 'full', [PRODUCT]), upserts(PRODUCT, [[1, 'tea', null]]));
      expect(await oid()).toBe(before);

      await subject.pos('GRANT CREATE ON SCHEMA public TO store_sync');
      await subject.pos('ALTER TABLE product OWNER TO store_sync');
      await applied(db, manifest(2, 'full', [PRODUCT]), upserts(PRODUCT, [[2, 'coffee', null]]));
      expect(await oid()).not.toBe(before);
      expect(await subject.query('SELECT id, name FROM product')).toEqual([{ id: 2, name: 'coffee' }]);
    } finally {
      await db.close();
      await subject.pos('DROP SCHEMA sync_journal CASCADE');
      await subject.pos('DROP OWNED BY store_sync');
    }
  });
});
