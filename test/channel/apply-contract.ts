import fc from 'fast-check';
import { Decimal, type CellValue, type PackageKind, type TableSpec } from '../../src/package/types.js';
import { applied, deletes, failingAfter, manifest, seen, stream, table, upserts } from './fixtures.js';
import type { ChannelDatabaseSubject, SubjectFactory } from './subject.js';

const PRODUCT = table(
  'product',
  [
    ['id', 'integer', false],
    ['name', 'string'],
    ['price', 'decimal'],
  ],
  ['id'],
);
const PRICE = table(
  'price',
  [
    ['product_id', 'integer', false],
    ['store', 'string', false],
    ['amount', 'decimal'],
  ],
  ['product_id', 'store'],
);
const EVERY_TYPE = table(
  'every_type',
  [
    ['id', 'integer', false],
    ['text', 'string'],
    ['int', 'integer'],
    ['dec', 'decimal'],
    ['flag', 'boolean'],
    ['at', 'timestamp'],
    ['bytes', 'binary'],
  ],
  ['id'],
);

/** Applying packages: rows and the Applied record together, or nothing. */
export function describeApplyContract(open: SubjectFactory): void {
  let subject: ChannelDatabaseSubject;
  beforeEach(async () => {
    subject = await open();
  });
  afterEach(async () => {
    await subject.cleanup();
  });

  const products = (): Promise<Record<string, unknown>[]> => subject.query('SELECT id, name, price FROM product ORDER BY id');
  const seedProducts = (): Promise<unknown> =>
    applied(
      subject.db,
      manifest(1, 'full', [PRODUCT]),
      upserts(PRODUCT, [
        [1, 'tea', new Decimal('2.50')],
        [2, 'coffee', new Decimal('3.10')],
        [3, 'milk', new Decimal('1.00')],
      ]),
    );

  test('a full package creates a missing table when allowed, and its session becomes Applied with rows per table', async () => {
    const session = await seen(subject.db, 1);
    const counts = await subject.db.applyPackage(
      manifest(1, 'full', [PRODUCT]),
      stream(upserts(PRODUCT, [[1, 'tea', new Decimal('2.50')]]), upserts(PRODUCT, [[2, 'coffee', new Decimal('3.10')]])),
      { sessionId: session.id, allowCreateTables: true },
    );
    expect(counts).toEqual({ product: 2 });
    expect(await products()).toEqual([
      { id: 1, name: 'tea', price: '2.50' },
      { id: 2, name: 'coffee', price: '3.10' },
    ]);
    expect(await subject.db.downloads.find(session.id)).toMatchObject({ status: 'Applied', rowsAffected: { product: 2 }, errorCode: null });
    expect((await subject.db.downloads.find(session.id))?.appliedAt).toBeInstanceOf(Date);
    expect(await subject.db.downloads.highestApplied()).toBe(1);
  });

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
    await seedProducts();
    const before = await subject.query('SELECT id, name, price FROM product ORDER BY id');
    const reserved = table(
      name,
      [
        ['key', 'string', false],
        ['value', 'string'],
      ],
      ['key'],
    );
    for (const kind of ['full', 'incremental'] as const) {
      const session = await seen(subject.db, 2);
      await expect(
        subject.db.applyPackage(manifest(2, kind, [PRODUCT, reserved]), stream(upserts(reserved, [['schema_version', '999']])), {
          sessionId: session.id,
          allowCreateTables: true,
        }),
      ).rejects.toMatchObject({ code: 'E_SCHEMA_TABLE_RESERVED', message: expect.stringContaining(name) });
      expect(await subject.db.downloads.find(session.id)).toMatchObject({ appliedAt: null, rowsAffected: {} });
    }
    expect(await subject.query('SELECT id, name, price FROM product ORDER BY id')).toEqual(before);
    expect(await subject.db.migrate()).toBeGreaterThan(0);
  });

  test('an incremental package upserts and deletes by primary key, leaving other rows alone', async () => {
    await seedProducts();
    const session = await seen(subject.db, 2);
    const counts = await subject.db.applyPackage(
      manifest(2, 'incremental', [PRODUCT]),
      stream(
        upserts(PRODUCT, [
          [2, 'espresso', new Decimal('3.40')],
          [4, 'juice', null],
        ]),
        deletes(PRODUCT, [[3], [99]]),
      ),
      { sessionId: session.id, allowCreateTables: false },
    );
    expect(counts).toEqual({ product: 3 });
    expect(await products()).toEqual([
      { id: 1, name: 'tea', price: '2.50' },
      { id: 2, name: 'espresso', price: '3.40' },
      { id: 4, name: 'juice', price: null },
    ]);
  });

  test('an incremental upsert by a composite key updates the matching row only', async () => {
    await applied(
      subject.db,
      manifest(1, 'full', [PRICE]),
      upserts(PRICE, [
        [1, 'A', new Decimal('1.00')],
        [1, 'B', new Decimal('1.10')],
      ]),
    );
    await applied(subject.db, manifest(2, 'incremental', [PRICE]), upserts(PRICE, [[1, 'B', new Decimal('1.20')]]));
    expect(await subject.query('SELECT product_id, store, amount FROM price ORDER BY store')).toEqual([
      { product_id: 1, store: 'A', amount: '1.00' },
      { product_id: 1, store: 'B', amount: '1.20' },
    ]);
  });

  test('a full package replaces the listed tables only', async () => {
    await seedProducts();
    await applied(subject.db, manifest(2, 'full', [PRICE]), upserts(PRICE, [[1, 'A', new Decimal('9.99')]]));
    await applied(subject.db, manifest(3, 'full', [PRODUCT]), upserts(PRODUCT, [[7, 'bread', new Decimal('0.99')]]));
    expect(await products()).toEqual([{ id: 7, name: 'bread', price: '0.99' }]);
    expect(await subject.query('SELECT COUNT(*) AS n FROM price')).toEqual([{ n: 1 }]);
  });

  test('a full package may carry a table without a primary key; deleting from it by key is refused', async () => {
    const log = table(
      'price_log',
      [
        ['at', 'timestamp'],
        ['note', 'string'],
      ],
      [],
    );
    const row = [new Date('2026-11-27T08:00:00.000Z'), 'opened'];
    await applied(subject.db, manifest(1, 'full', [log]), upserts(log, [row, row]));
    expect(await subject.query('SELECT note FROM price_log')).toEqual([{ note: 'opened' }, { note: 'opened' }]);
    const session = await seen(subject.db, 2);
    await expect(
      subject.db.applyPackage(manifest(2, 'full', [log]), stream(deletes(log, [[]])), { sessionId: session.id, allowCreateTables: false }),
    ).rejects.toMatchObject({ code: 'E_SCHEMA_KEY_MISMATCH', message: expect.stringContaining('table price_log') });
  });

  test('a reader that fails after some rows leaves no row and no Applied record', async () => {
    await seedProducts();
    const session = await seen(subject.db, 2);
    const readerError = new Error('package removed by HQ while being read');
    await expect(
      subject.db.applyPackage(
        manifest(2, 'full', [PRODUCT]),
        failingAfter(
          readerError,
          upserts(PRODUCT, [
            [10, 'new', null],
            [11, 'newer', null],
          ]),
        ),
        { sessionId: session.id, allowCreateTables: false },
      ),
    ).rejects.toBe(readerError);
    expect(await products()).toHaveLength(3);
    expect(await subject.db.downloads.find(session.id)).toMatchObject({ status: 'Available', appliedAt: null });
    // The connection is usable again: the transaction was rolled back, not left open.
    await subject.db.applyPackage(manifest(2, 'full', [PRODUCT]), stream(upserts(PRODUCT, [[10, 'new', null]])), {
      sessionId: session.id,
      allowCreateTables: false,
    });
    expect(await products()).toEqual([{ id: 10, name: 'new', price: null }]);
  });

  test('a constraint violation half-way rolls the whole package back and says where', async () => {
    await seedProducts();
    const session = await seen(subject.db, 2);
    const rows: CellValue[][] = Array.from({ length: 500 }, (_, i) => [100 + i, `p${i}`, null]);
    await expect(
      subject.db.applyPackage(
        manifest(2, 'full', [PRODUCT]),
        stream(upserts(PRODUCT, rows), upserts(PRODUCT, [[100, 'duplicate key', null]])),
        { sessionId: session.id, allowCreateTables: false },
      ),
    ).rejects.toMatchObject({
      code: 'E_DATABASE_CONSTRAINT',
      message: expect.stringContaining('row 501 of table product'),
    });
    expect(await products()).toHaveLength(3);
    expect((await subject.db.downloads.find(session.id))?.status).toBe('Available');
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
      await seedProducts();
      const session = await seen(subject.db, 2);
      // The good table goes first, so a write before the check would show.
      const pkg = manifest(2, kind, [PRICE, spec()]);
      await subject.pos(
        'CREATE TABLE price (product_id INTEGER NOT NULL, store TEXT NOT NULL, amount TEXT, PRIMARY KEY (product_id, store))',
      );
      await subject.pos("INSERT INTO price (product_id, store, amount) VALUES (5, 'Z', '1.00')");
      await expect(
        subject.db.applyPackage(pkg, stream(upserts(PRICE, [[1, 'A', null]])), { sessionId: session.id, allowCreateTables }),
      ).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
      expect(await subject.query('SELECT product_id, store FROM price')).toEqual([{ product_id: 5, store: 'Z' }]);
      expect(await products()).toHaveLength(3);
      expect((await subject.db.downloads.find(session.id))?.status).toBe('Available');
    });
  });

  test('a package column the database requires but the package lacks is named', async () => {
    await subject.pos('CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT, loyalty_tier TEXT NOT NULL)');
    const customer = table(
      'customer',
      [
        ['id', 'integer'],
        ['name', 'string'],
      ],
      ['id'],
      { upserts: 1, deletes: 0 },
    );
    const session = await seen(subject.db, 1);
    await expect(
      subject.db.applyPackage(manifest(1, 'incremental', [customer]), stream(upserts(customer, [[1, 'Ann']])), {
        sessionId: session.id,
        allowCreateTables: false,
      }),
    ).rejects.toMatchObject({ code: 'E_SCHEMA_COLUMN_REQUIRED', message: expect.stringContaining('loyalty_tier') });
  });

  test('an integer beyond 64 bits is refused with the table named, nothing written', async () => {
    const session = await seen(subject.db, 1);
    await expect(
      subject.db.applyPackage(
        manifest(1, 'full', [PRODUCT]),
        stream(
          upserts(PRODUCT, [
            [1, 'ok', null],
            [2n ** 63n, 'too big', null],
          ]),
        ),
        { sessionId: session.id, allowCreateTables: true },
      ),
    ).rejects.toMatchObject({ code: 'E_VALUE_RANGE', message: expect.stringContaining('table product') });
    expect(await subject.db.downloads.list({ status: 'Applied' })).toEqual([]);
  });

  test('only a session that may become Applied takes a package', async () => {
    const session = await seen(subject.db, 1);
    await subject.db.downloads.cancel(session.id, 'ops', 'wrong file');
    await expect(
      subject.db.applyPackage(manifest(1, 'full', [PRODUCT]), stream(upserts(PRODUCT, [[1, 'x', null]])), {
        sessionId: session.id,
        allowCreateTables: true,
      }),
    ).rejects.toMatchObject({ code: 'E_SESSION_TRANSITION' });
  });

  describe('values travel unchanged: written by a package, read back for upload', () => {
    const counter = { table: 'every_type', counterColumn: 'id' };
    const roundTrip = async (rows: readonly (readonly CellValue[])[], sequence: number): Promise<readonly CellValue[][]> => {
      await applied(subject.db, manifest(sequence, 'full', [EVERY_TYPE]), upserts(EVERY_TYPE, rows));
      return subject.db.uploads.snapshot(async (snapshot) => {
        const plan = await snapshot.plan([counter], 1_000_000);
        const out: CellValue[][] = [];
        for (const range of plan.ranges) {
          const spec = await snapshot.tableSpec(counter, range);
          for await (const batch of snapshot.rows(spec, counter, range, 7)) {
            for (const row of batch.rows) if (row.op === 'upsert') out.push([...row.values]);
          }
        }
        return out;
      });
    };

    test('edges of every type: 64-bit integers, exact decimals, booleans, timestamps, bytes, nulls', async () => {
      const rows: CellValue[][] = [
        [
          1,
          'héllo "quoted" \\ \t\n\r ✓',
          2n ** 63n - 1n,
          new Decimal('-0.10'),
          true,
          new Date('2026-11-27T12:34:56.789Z'),
          new Uint8Array([0, 255, 1]),
        ],
        [2, '', -(2n ** 63n), new Decimal('12345678901234567890.123456789012345678'), false, new Date(0), new Uint8Array([])],
        [3, null, null, null, null, null, null],
        [4, 'x', Number.MAX_SAFE_INTEGER, new Decimal('0'), true, new Date('1999-12-31T23:59:59.999Z'), new Uint8Array(70000).fill(7)],
      ];
      expect(await roundTrip(rows, 1)).toEqual(rows);
    });

    test('any row of every type comes back as it went in', async () => {
      const cell = {
        // NUL is left out: PostgreSQL text cannot hold it (each adapter's own test says what it does with one).
        text: fc.option(
          fc.string({ unit: 'grapheme' }).filter((t) => !t.includes('\u0000')),
          { nil: null },
        ),
        int: fc.option(
          fc.oneof(
            fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((n) => !Number.isSafeInteger(Number(n))),
            fc.maxSafeInteger(),
          ),
          { nil: null },
        ),
        dec: fc.option(
          fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.nat(12)).map(([n, scale]) => decimal(n, scale)),
          { nil: null },
        ),
        flag: fc.option(fc.boolean(), { nil: null }),
        at: fc.option(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), {
          nil: null,
        }),
        bytes: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }),
      };
      let sequence = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.record(cell), { minLength: 1, maxLength: 20 }), async (records) => {
          sequence += 1;
          const rows = records.map((r, i): CellValue[] => [i + 1, r.text, r.int, r.dec, r.flag, r.at, r.bytes]);
          expect(await roundTrip(rows, sequence)).toEqual(rows);
        }),
        { numRuns: 40 },
      );
    });
  });
}

/** `n` scaled by 10^-scale, in the canonical text the package format uses. */
function decimal(n: bigint, scale: number): Decimal {
  const digits = (n < 0n ? -n : n).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return new Decimal(n < 0n ? `-${text}` : text);
}
