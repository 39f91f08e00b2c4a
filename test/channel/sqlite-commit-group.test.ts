import type { ApplyPolicy } from '../../src/channel/channel-database.js';
import { seedProducts, subjectPerTest } from './apply-fixtures.js';
import { manifest, PRODUCT, seenPackage, stream, upserts } from './fixtures.js';
import { openSqliteSubject } from './sqlite-subject.js';

const followed: ApplyPolicy = { allowCreateTables: false, followed: true };
const turnOfTheEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SQLite: small packages that more follow share a commit', () => {
  const subject = subjectPerTest(() => openSqliteSubject());

  /** Records and applies package `sequence`, upserting products `ids`. */
  const apply = (sequence: number, ids: readonly number[], policy: ApplyPolicy = followed) =>
    subject().db.recordAndApply(
      seenPackage(sequence),
      manifest(sequence, 'incremental', [PRODUCT]),
      stream(
        upserts(
          PRODUCT,
          ids.map((id) => [id, `product ${id}`, null]),
        ),
      ),
      policy,
    );
  const posSees = async (): Promise<number[]> =>
    (await subject().query('SELECT id FROM product WHERE id >= 20 ORDER BY id')).map((row) => Number(row.id));
  const appliedSequences = async (): Promise<number[]> =>
    (await subject().query("SELECT sequence FROM async_client_download_session WHERE status = 'Applied' ORDER BY sequence")).map((row) =>
      Number(row.sequence),
    );

  beforeEach(async () => {
    await seedProducts(subject().db);
  });

  test('the POS sees packages applied one after another together, when the thread next waits', async () => {
    await apply(2, [20]);
    await apply(3, [30]);
    expect(await posSees()).toEqual([]);
    await turnOfTheEventLoop();
    expect(await posSees()).toEqual([20, 30]);
    expect(await appliedSequences()).toEqual([1, 2, 3]);
  });

  test('the last package of a backlog, and any other work, commits the group before it returns', async () => {
    await apply(2, [20]);
    await apply(3, [30], { allowCreateTables: false });
    expect(await posSees()).toEqual([20, 30]);
    await apply(4, [40]);
    await subject().db.downloads.list();
    expect(await posSees()).toEqual([20, 30, 40]);
  });

  test('a package that fails rolls back alone: the packages before it in the group are committed', async () => {
    await subject().pos(`CREATE TRIGGER refuse_999 BEFORE INSERT ON product WHEN NEW.id = 999
      BEGIN SELECT RAISE(ABORT, 'refused by the POS'); END`);
    await apply(2, [20]);
    await expect(apply(3, [30, 999])).rejects.toMatchObject({ code: 'E_DATABASE_CONSTRAINT' });
    await subject().db.flush();
    expect(await posSees()).toEqual([20]);
    expect(await appliedSequences()).toEqual([1, 2]);
    expect(await subject().db.downloads.recordDownloaded(seenPackage(3))).toMatchObject({ sequence: 3, status: 'Downloaded' });
  });

  test('a group whose commit fails is lost loudly until a flush, and packages are then committed one by one', async () => {
    // A POS rule SQLite checks only at COMMIT: package 3's rows break it.
    await subject().pos(`CREATE TABLE brand (id INTEGER PRIMARY KEY);
      CREATE TABLE product_brand (product_id INTEGER, brand_id INTEGER REFERENCES brand (id) DEFERRABLE INITIALLY DEFERRED);
      CREATE TRIGGER product_30_brand AFTER INSERT ON product WHEN NEW.id = 30
        BEGIN INSERT INTO product_brand VALUES (NEW.id, 12345); END`);
    await apply(2, [20]);
    await apply(3, [30]);
    await turnOfTheEventLoop();
    const lost = { code: 'E_DATABASE_CONSTRAINT', message: expect.stringContaining('committing 2 packages applied together') };
    await expect(subject().db.downloads.highestApplied()).rejects.toMatchObject(lost);
    await expect(apply(4, [40])).rejects.toMatchObject(lost);
    await expect(subject().db.flush()).rejects.toMatchObject(lost);
    await subject().db.flush();
    expect(await posSees()).toEqual([]);
    expect(await subject().db.downloads.highestApplied()).toBe(1);

    await apply(2, [20]);
    expect(await posSees()).toEqual([20]);
    await expect(apply(3, [30])).rejects.toMatchObject({ code: 'E_DATABASE_CONSTRAINT' });
    expect(await posSees()).toEqual([20]);
    expect(await appliedSequences()).toEqual([1, 2]);
  });
});
