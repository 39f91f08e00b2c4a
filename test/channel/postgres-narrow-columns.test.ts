import { Decimal } from '../../src/package/types.js';
import { manifest, PRODUCT, seen, stream, table, upserts } from './fixtures.js';
import { faultScenePerTest, productCount, rows } from './postgres-fault-scene.js';

describe('PostgreSQL channel database: a table whose types cannot hold the values: refused, nothing written, naming row and column', () => {
  const scene = faultScenePerTest();

  test.each([
    [
      'a decimal with more places than numeric(8,2) keeps',
      'numeric(8,2)',
      new Decimal('1.255'),
      'E_VALUE_RANGE',
      /row 2 of table product: decimal 1\.255 has 3 digits/,
    ],
    ['a decimal past numeric(4,2)', 'numeric(4,2)', new Decimal('123.45'), 'E_VALUE_RANGE', /row 2 of table product, column price/],
    ['text longer than varchar(5)', 'varchar(5)', 'too long for it', 'E_VALUE_RANGE', /row 2 of table product, column price/],
  ])('%s', async (_, type, value, code, message) => {
    await scene.subject().pos(`CREATE TABLE product (id bigint PRIMARY KEY, name text, price ${type})`);
    const spec = type.startsWith('varchar')
      ? table(
          'product',
          [
            ['id', 'integer', false],
            ['name', 'string'],
            ['price', 'string'],
          ],
          ['id'],
        )
      : PRODUCT;
    const session = await seen(scene.subject().db, 1);
    await expect(
      scene.subject().db.applyPackage(
        manifest(1, 'incremental', [spec]),
        stream(
          upserts(spec, [
            [1, 'fits', type.startsWith('varchar') ? 'ok' : new Decimal('1.25')],
            [2, 'does not', value],
          ]),
        ),
        {
          sessionId: session.id,
          allowCreateTables: false,
        },
      ),
    ).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect(await productCount(scene.subject())).toBe(0);
    expect((await scene.subject().db.downloads.find(session.id))?.status).toBe('Available');
  });

  test('an integer past a 32-bit column', async () => {
    await scene.subject().pos('CREATE TABLE product (id integer PRIMARY KEY, name text, price numeric)');
    const session = await seen(scene.subject().db, 1);
    await expect(
      scene.subject().db.applyPackage(
        manifest(1, 'incremental', [PRODUCT]),
        stream(
          upserts(PRODUCT, [
            [1, 'a', null],
            [2 ** 40, 'b', null],
          ]),
        ),
        { sessionId: session.id, allowCreateTables: false },
      ),
    ).rejects.toMatchObject({
      code: 'E_VALUE_RANGE',
      message: expect.stringMatching(/row 2 of table product, column id.*out of range/),
    });
  });

  test('money in a float column is refused before any write: floats are not exact', async () => {
    await scene.subject().pos('CREATE TABLE product (id bigint PRIMARY KEY, name text, price double precision)');
    const session = await seen(scene.subject().db, 1);
    await expect(
      scene.subject().db.applyPackage(manifest(1, 'incremental', [PRODUCT]), stream(upserts(PRODUCT, rows(1, 1))), {
        sessionId: session.id,
        allowCreateTables: false,
      }),
    ).rejects.toMatchObject({
      code: 'E_SCHEMA_COLUMN_TYPE',
      message: expect.stringContaining('declares column price as double precision'),
    });
  });
});
