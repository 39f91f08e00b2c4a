import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import { Decimal } from '../../src/package/types.js';
import { applied, manifest, PRODUCT, table, upserts } from './fixtures.js';
import type { ChannelDatabaseSubject, SubjectFactory } from './subject.js';

/** The price table of the apply contract: a composite key, an amount. */
export const PRICE = table(
  'price',
  [
    ['product_id', 'integer', false],
    ['store', 'string', false],
    ['amount', 'decimal'],
  ],
  ['product_id', 'store'],
);

/** A fresh subject for each test of the enclosing block, cleaned up after it; call the getter inside a test. */
export function subjectPerTest(open: SubjectFactory): () => ChannelDatabaseSubject {
  let subject: ChannelDatabaseSubject | undefined;
  beforeEach(async () => {
    subject = await open();
  });
  afterEach(async () => {
    await subject?.cleanup();
    subject = undefined;
  });
  return () => {
    if (!subject) throw new Error('the subject is opened only for a test');
    return subject;
  };
}

export function productRows(subject: ChannelDatabaseSubject): Promise<Record<string, unknown>[]> {
  return subject.query('SELECT id, name, price FROM product ORDER BY id');
}

/** Package 1, full: products 1 to 3 (tea, coffee, milk). */
export function seedProducts(db: ChannelDatabase): Promise<unknown> {
  return applied(
    db,
    manifest(1, 'full', [PRODUCT]),
    upserts(PRODUCT, [
      [1, 'tea', new Decimal('2.50')],
      [2, 'coffee', new Decimal('3.10')],
      [3, 'milk', new Decimal('1.00')],
    ]),
  );
}
