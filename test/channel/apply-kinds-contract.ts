import { Decimal } from '../../src/package/types.js';
import { PRICE, productRows, seedProducts, subjectPerTest } from './apply-fixtures.js';
import { applied, deletes, manifest, PRODUCT, seen, stream, table, upserts } from './fixtures.js';
import type { SubjectFactory } from './subject.js';

/** Full packages replace the tables they list; incremental ones upsert and delete by key. */
export function describeApplyKindsContract(open: SubjectFactory): void {
  const subject = subjectPerTest(open);

  test('a full package creates a missing table when allowed, and its session becomes Applied with rows per table', async () => {
    const session = await seen(subject().db, 1);
    const counts = await subject().db.applyPackage(
      manifest(1, 'full', [PRODUCT]),
      stream(upserts(PRODUCT, [[1, 'tea', new Decimal('2.50')]]), upserts(PRODUCT, [[2, 'coffee', new Decimal('3.10')]])),
      { sessionId: session.id, allowCreateTables: true },
    );
    expect(counts).toEqual({ product: 2 });
    expect(await productRows(subject())).toEqual([
      { id: 1, name: 'tea', price: '2.50' },
      { id: 2, name: 'coffee', price: '3.10' },
    ]);
    expect(await subject().db.downloads.find(session.id)).toMatchObject({
      status: 'Applied',
      rowsAffected: { product: 2 },
      errorCode: null,
    });
    expect((await subject().db.downloads.find(session.id))?.appliedAt).toBeInstanceOf(Date);
    expect(await subject().db.downloads.highestApplied()).toBe(1);
  });

  test('an incremental package upserts and deletes by primary key, leaving other rows alone', async () => {
    await seedProducts(subject().db);
    const session = await seen(subject().db, 2);
    const counts = await subject().db.applyPackage(
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
    expect(await productRows(subject())).toEqual([
      { id: 1, name: 'tea', price: '2.50' },
      { id: 2, name: 'espresso', price: '3.40' },
      { id: 4, name: 'juice', price: null },
    ]);
  });

  test('an incremental upsert by a composite key updates the matching row only', async () => {
    await applied(
      subject().db,
      manifest(1, 'full', [PRICE]),
      upserts(PRICE, [
        [1, 'A', new Decimal('1.00')],
        [1, 'B', new Decimal('1.10')],
      ]),
    );
    await applied(subject().db, manifest(2, 'incremental', [PRICE]), upserts(PRICE, [[1, 'B', new Decimal('1.20')]]));
    expect(await subject().query('SELECT product_id, store, amount FROM price ORDER BY store')).toEqual([
      { product_id: 1, store: 'A', amount: '1.00' },
      { product_id: 1, store: 'B', amount: '1.20' },
    ]);
  });

  test('a full package replaces the listed tables only', async () => {
    await seedProducts(subject().db);
    await applied(subject().db, manifest(2, 'full', [PRICE]), upserts(PRICE, [[1, 'A', new Decimal('9.99')]]));
    await applied(subject().db, manifest(3, 'full', [PRODUCT]), upserts(PRODUCT, [[7, 'bread', new Decimal('0.99')]]));
    expect(await productRows(subject())).toEqual([{ id: 7, name: 'bread', price: '0.99' }]);
    expect(await subject().query('SELECT COUNT(*) AS n FROM price')).toEqual([{ n: 1 }]);
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
    await applied(subject().db, manifest(1, 'full', [log]), upserts(log, [row, row]));
    expect(await subject().query('SELECT note FROM price_log')).toEqual([{ note: 'opened' }, { note: 'opened' }]);
    const session = await seen(subject().db, 2);
    await expect(
      subject().db.applyPackage(manifest(2, 'full', [log]), stream(deletes(log, [[]])), {
        sessionId: session.id,
        allowCreateTables: false,
      }),
    ).rejects.toMatchObject({ code: 'E_SCHEMA_KEY_MISMATCH', message: expect.stringContaining('table price_log') });
  });
}
