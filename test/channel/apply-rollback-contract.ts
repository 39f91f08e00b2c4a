import type { CellValue } from '../../src/package/types.js';
import { productRows, seedProducts, subjectPerTest } from './apply-fixtures.js';
import { failingAfter, manifest, PRODUCT, seen, stream, upserts } from './fixtures.js';
import type { SubjectFactory } from './subject.js';

/** A package that fails part-way leaves no row and no Applied record. */
export function describeApplyRollbackContract(open: SubjectFactory): void {
  const subject = subjectPerTest(open);

  test('a reader that fails after some rows leaves no row and no Applied record', async () => {
    await seedProducts(subject().db);
    const session = await seen(subject().db, 2);
    const readerError = new Error('package removed by HQ while being read');
    await expect(
      subject().db.applyPackage(
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
    expect(await productRows(subject())).toHaveLength(3);
    expect(await subject().db.downloads.find(session.id)).toMatchObject({ status: 'Available', appliedAt: null });
    // The connection is usable again: the transaction was rolled back, not left open.
    await subject().db.applyPackage(manifest(2, 'full', [PRODUCT]), stream(upserts(PRODUCT, [[10, 'new', null]])), {
      sessionId: session.id,
      allowCreateTables: false,
    });
    expect(await productRows(subject())).toEqual([{ id: 10, name: 'new', price: null }]);
  });

  test('a constraint violation half-way rolls the whole package back and says where', async () => {
    await seedProducts(subject().db);
    const session = await seen(subject().db, 2);
    const rows: CellValue[][] = Array.from({ length: 500 }, (_, i) => [100 + i, `p${i}`, null]);
    await expect(
      subject().db.applyPackage(
        manifest(2, 'full', [PRODUCT]),
        stream(upserts(PRODUCT, rows), upserts(PRODUCT, [[100, 'duplicate key', null]])),
        { sessionId: session.id, allowCreateTables: false },
      ),
    ).rejects.toMatchObject({
      code: 'E_DATABASE_CONSTRAINT',
      message: expect.stringContaining('row 501 of table product'),
    });
    expect(await productRows(subject())).toHaveLength(3);
    expect((await subject().db.downloads.find(session.id))?.status).toBe('Available');
  });

  test('an integer beyond 64 bits is refused with the table named, nothing written', async () => {
    const session = await seen(subject().db, 1);
    await expect(
      subject().db.applyPackage(
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
    expect(await subject().db.downloads.list({ status: 'Applied' })).toEqual([]);
  });
}
