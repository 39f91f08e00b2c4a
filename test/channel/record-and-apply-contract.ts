import type { CellValue } from '../../src/package/types.js';
import { productRows, seedProducts, subjectPerTest } from './apply-fixtures.js';
import { failingAfter, manifest, seenPackage, stream, table, upserts } from './fixtures.js';
import type { SubjectFactory } from './subject.js';

/** More rows than SQLite applies in one transaction (sqlite-apply.ts): the package streams through staging. */
const LARGE = 5000;

function products(count: number): CellValue[][] {
  return Array.from({ length: count }, (_, i) => [10 + i, `product ${10 + i}`, null]);
}

/** `recordAndApply`: a package the cycle has verified, recorded Downloaded and applied, whatever its size. */
export function describeRecordAndApplyContract(open: SubjectFactory): void {
  const subject = subjectPerTest(open);
  const policy = { allowCreateTables: false };

  describe.each([
    ['a small package', 3],
    ['a large package', LARGE],
  ])('%s', (_, count) => {
    const product = table(
      'product',
      [
        ['id', 'integer', false],
        ['name', 'string'],
        ['price', 'decimal'],
      ],
      ['id'],
      { upserts: count, deletes: 0 },
    );

    test('seen for the first time: one session, Applied with its rows, returned', async () => {
      await seedProducts(subject().db);
      const pkg = seenPackage(2);
      const session = await subject().db.recordAndApply(
        pkg,
        manifest(2, 'full', [product]),
        stream(upserts(product, products(count))),
        policy,
      );
      expect(session).toMatchObject({ ...pkg, status: 'Applied', tries: 0, rowsAffected: { product: count } });
      expect(session.downloadedAt).toBeInstanceOf(Date);
      expect(await subject().db.downloads.list()).toEqual([session, expect.objectContaining({ sequence: 1 })]);
      expect(await productRows(subject())).toHaveLength(count);
    });

    test('a package that failed before is applied on its own session, its tries kept', async () => {
      await seedProducts(subject().db);
      const pkg = seenPackage(2);
      const failed = await subject().db.downloads.record(pkg);
      await subject().db.downloads.markApplyFailed(failed.id, { code: 'E_DATABASE_BUSY', message: 'the POS held the lock' }, null);
      const session = await subject().db.recordAndApply(
        pkg,
        manifest(2, 'incremental', [product]),
        stream(upserts(product, products(count))),
        policy,
      );
      expect(session).toMatchObject({ id: failed.id, status: 'Applied', tries: 1 });
      expect(await productRows(subject())).toHaveLength(3 + count);
    });

    test('a failure mid-read leaves no row and no Applied record; recordDownloaded then gives the one session to fail', async () => {
      await seedProducts(subject().db);
      const pkg = seenPackage(2);
      const readerError = new Error('package removed by HQ while being read');
      const rows = products(count);
      await expect(
        subject().db.recordAndApply(
          pkg,
          manifest(2, 'full', [product]),
          failingAfter(readerError, upserts(product, rows.slice(0, -1))),
          policy,
        ),
      ).rejects.toBe(readerError);
      expect(await productRows(subject())).toHaveLength(3);
      expect(await subject().db.downloads.highestApplied()).toBe(1);
      const session = await subject().db.downloads.recordDownloaded(pkg);
      expect(session).toMatchObject({ ...pkg, status: 'Downloaded', tries: 0 });
      expect((await subject().db.downloads.list()).filter((s) => s.sequence === 2)).toEqual([session]);
    });
  });

  test('another checksum holding the sequence is refused, nothing written', async () => {
    await seedProducts(subject().db);
    const held = await subject().db.downloads.record(seenPackage(2, 'the first file'));
    const product = table('product', [['id', 'integer', false]], ['id'], { upserts: 1, deletes: 0 });
    await expect(
      subject().db.recordAndApply(
        seenPackage(2, 'another file'),
        manifest(2, 'incremental', [product]),
        stream(upserts(product, [[99]])),
        policy,
      ),
    ).rejects.toMatchObject({ code: 'E_SEQUENCE_CONFLICT' });
    expect(await productRows(subject())).toHaveLength(3);
    expect((await subject().db.downloads.list()).filter((s) => s.sequence === 2)).toEqual([held]);
  });
}
