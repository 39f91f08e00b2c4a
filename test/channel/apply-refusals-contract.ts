import type { PackageKind, TableSpec } from '../../src/package/types.js';
import { PRICE, productRows, seedProducts, subjectPerTest } from './apply-fixtures.js';
import { manifest, PRODUCT, seen, stream, table, upserts } from './fixtures.js';
import type { SubjectFactory } from './subject.js';

/** A package the database or the session cannot take is refused before any write, naming what is wrong. */
export function describeApplyRefusalsContract(open: SubjectFactory): void {
  const subject = subjectPerTest(open);

  test.each([
    'async_client_meta',
    'ASYNC_CLIENT_WATERMARK',
    'Async_Client_Download_Session',
    'sqlite_sequence',
    'SQLite_Master',
    'pg_class',
    'PG_Stat_Activity',
    'information_schema',
  ])('a package table named %s is refused before any row is written, even when tables may be created', async (name) => {
    await seedProducts(subject().db);
    const before = await subject().query('SELECT id, name, price FROM product ORDER BY id');
    const reserved = table(
      name,
      [
        ['key', 'string', false],
        ['value', 'string'],
      ],
      ['key'],
    );
    for (const kind of ['full', 'incremental'] as const) {
      const session = await seen(subject().db, 2);
      await expect(
        subject().db.applyPackage(manifest(2, kind, [PRODUCT, reserved]), stream(upserts(reserved, [['schema_version', '999']])), {
          sessionId: session.id,
          allowCreateTables: true,
        }),
      ).rejects.toMatchObject({ code: 'E_SCHEMA_TABLE_RESERVED', message: expect.stringContaining(name) });
      expect(await subject().db.downloads.find(session.id)).toMatchObject({ appliedAt: null, rowsAffected: {} });
    }
    expect(await subject().query('SELECT id, name, price FROM product ORDER BY id')).toEqual(before);
    expect(await subject().db.migrate()).toBeGreaterThan(0);
  });

  describe('a package the database cannot take unchanged is refused before any write, naming what is wrong', () => {
    const NOTE = table(
      'note',
      [
        ['id', 'integer', false],
        ['text', 'string'],
      ],
      ['id'],
    );
    const cases: readonly [string, () => TableSpec, PackageKind, boolean, string, RegExp][] = [
      [
        'a missing table in an incremental package',
        () => NOTE,
        'incremental',
        true,
        'E_SCHEMA_TABLE_MISSING',
        /table note .*does not exist.*only a full package/,
      ],
      [
        'a missing table when creating is not allowed',
        () => NOTE,
        'full',
        false,
        'E_SCHEMA_TABLE_MISSING',
        /table note .*does not exist.*allow/,
      ],
      [
        'a missing column',
        () =>
          table(
            'product',
            [
              ['id', 'integer'],
              ['colour', 'string'],
            ],
            ['id'],
          ),
        'incremental',
        false,
        'E_SCHEMA_COLUMN_MISSING',
        /table product .*no column colour/,
      ],
      [
        'an incompatible column',
        () =>
          table(
            'product',
            [
              ['id', 'integer'],
              ['name', 'binary'],
            ],
            ['id'],
          ),
        'incremental',
        false,
        'E_SCHEMA_COLUMN_TYPE',
        /table product .*column name/,
      ],
      [
        'a key that is not a key of the table',
        () =>
          table(
            'product',
            [
              ['id', 'integer'],
              ['name', 'string'],
            ],
            ['name'],
          ),
        'incremental',
        false,
        'E_SCHEMA_KEY_MISMATCH',
        /table product .*\(name\)/,
      ],
    ];
    test.each(cases)('%s', async (_, spec, kind, allowCreateTables, code, message) => {
      await seedProducts(subject().db);
      const session = await seen(subject().db, 2);
      // The good table goes first, so a write before the check would show.
      const pkg = manifest(2, kind, [PRICE, spec()]);
      await subject().pos(
        'CREATE TABLE price (product_id INTEGER NOT NULL, store TEXT NOT NULL, amount TEXT, PRIMARY KEY (product_id, store))',
      );
      await subject().pos("INSERT INTO price (product_id, store, amount) VALUES (5, 'Z', '1.00')");
      await expect(
        subject().db.applyPackage(pkg, stream(upserts(PRICE, [[1, 'A', null]])), { sessionId: session.id, allowCreateTables }),
      ).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
      expect(await subject().query('SELECT product_id, store FROM price')).toEqual([{ product_id: 5, store: 'Z' }]);
      expect(await productRows(subject())).toHaveLength(3);
      expect((await subject().db.downloads.find(session.id))?.status).toBe('Available');
    });
  });

  test('a package column the database requires but the package lacks is named', async () => {
    await subject().pos('CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT, loyalty_tier TEXT NOT NULL)');
    const customer = table(
      'customer',
      [
        ['id', 'integer'],
        ['name', 'string'],
      ],
      ['id'],
      { upserts: 1, deletes: 0 },
    );
    const session = await seen(subject().db, 1);
    await expect(
      subject().db.applyPackage(manifest(1, 'incremental', [customer]), stream(upserts(customer, [[1, 'Ann']])), {
        sessionId: session.id,
        allowCreateTables: false,
      }),
    ).rejects.toMatchObject({ code: 'E_SCHEMA_COLUMN_REQUIRED', message: expect.stringContaining('loyalty_tier') });
  });

  test('only a session that may become Applied takes a package', async () => {
    const session = await seen(subject().db, 1);
    await subject().db.downloads.cancel(session.id, 'ops', 'wrong file');
    await expect(
      subject().db.applyPackage(manifest(1, 'full', [PRODUCT]), stream(upserts(PRODUCT, [[1, 'x', null]])), {
        sessionId: session.id,
        allowCreateTables: true,
      }),
    ).rejects.toMatchObject({ code: 'E_SESSION_TRANSITION' });
  });
}
