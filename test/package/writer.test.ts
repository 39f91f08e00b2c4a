import { Readable } from 'node:stream';
import { errorCode } from '../../src/errors.js';
import { createPackageWriter, type PackageManifestInput } from '../../src/package/writer.js';
import { verifyPackage } from '../../src/package/reader.js';
import { Decimal, type PackageRow, type TableSpec } from '../../src/package/types.js';
import { BufferSink, manifestFor, productRows, productTable } from './package-fixtures.js';

const otherTable: TableSpec = {
  name: 'Store',
  columns: [{ name: 'storeId', type: 'integer', nullable: false }],
  primaryKey: ['storeId'],
  upsertCount: 1,
  deleteCount: 0,
};

async function failure(manifest: PackageManifestInput, steps: Array<[string, PackageRow[]]>): Promise<{ code: string; sink: BufferSink }> {
  const sink = new BufferSink();
  try {
    const writer = createPackageWriter(manifest, sink);
    for (const [table, rows] of steps) await writer.writeRows(table, rows);
    await writer.end();
  } catch (error) {
    return { code: errorCode(error), sink };
  }
  return { code: 'written', sink };
}

describe('the package writer', () => {
  it('writes tables across several calls and fills empty tables it was never given', async () => {
    const sink = new BufferSink();
    const writer = createPackageWriter(manifestFor([productTable, { ...otherTable, upsertCount: 0 }]), sink);
    await writer.writeRows('Product', productRows.slice(0, 2));
    await writer.writeRows(
      'Product',
      (async function* () {
        yield* productRows.slice(2);
      })(),
    );
    const written = await writer.end();
    const verified = await verifyPackage(() => Readable.from([sink.bytes]));
    expect(verified.sha256).toBe(written.sha256);
    expect(written.fileBytes).toBe(sink.bytes.length);
    expect(verified.manifest).toEqual(written.manifest);
  });

  it.each<[string, PackageManifestInput, Array<[string, PackageRow[]]>, string]>([
    ['a value of the wrong type', manifestFor([otherTable]), [['Store', [{ op: 'upsert', values: ['1'] }]]], 'E_PACKAGE_ROW'],
    ['a row with too few values', manifestFor([otherTable]), [['Store', [{ op: 'upsert', values: [] }]]], 'E_PACKAGE_ROW'],
    ['a float as an integer', manifestFor([otherTable]), [['Store', [{ op: 'upsert', values: [1.5] }]]], 'E_PACKAGE_ROW'],
    [
      'a number as a decimal',
      manifestFor([productTable]),
      [['Product', [{ op: 'upsert', values: ['P', 1, 1.5 as unknown as Decimal, true, new Date(0), null, null] }]]],
      'E_PACKAGE_ROW',
    ],
    [
      'an invalid date',
      manifestFor([productTable]),
      [['Product', [{ op: 'upsert', values: ['P', 1, new Decimal('1'), true, new Date(Number.NaN), null, null] }]]],
      'E_PACKAGE_ROW',
    ],
    ['a bigint beyond 64 bits', manifestFor([otherTable]), [['Store', [{ op: 'upsert', values: [2n ** 64n] }]]], 'E_PACKAGE_ROW'],
    [
      'a duplicate key',
      manifestFor([{ ...otherTable, upsertCount: 2 }]),
      [
        [
          'Store',
          [
            { op: 'upsert', values: [1] },
            { op: 'upsert', values: [1n] },
          ],
        ],
      ],
      'E_PACKAGE_DUPLICATE_KEY',
    ],
    [
      'more rows than declared',
      manifestFor([otherTable]),
      [
        [
          'Store',
          [
            { op: 'upsert', values: [1] },
            { op: 'upsert', values: [2] },
          ],
        ],
      ],
      'E_PACKAGE_COUNTS',
    ],
    ['fewer rows than declared', manifestFor([otherTable]), [], 'E_PACKAGE_COUNTS'],
    [
      'tables out of manifest order',
      manifestFor([{ ...otherTable, upsertCount: 0 }, productTable]),
      [
        ['Product', productRows],
        ['Store', []],
      ],
      'E_PACKAGE_WRITER',
    ],
    ['a table not in the manifest', manifestFor([otherTable]), [['Nope', []]], 'E_PACKAGE_WRITER'],
    ['a table name that is not an identifier', manifestFor([{ ...otherTable, name: 'store-list' }]), [], 'E_PACKAGE_NAME'],
    ['a channel id that cannot be a file name', manifestFor([otherTable], { channelId: '../x' }), [], 'E_PACKAGE_MANIFEST'],
  ])('refuses %s and destroys its destination', async (_name, manifest, steps, code) => {
    const { code: actual, sink } = await failure(manifest, steps);
    expect(actual).toBe(code);
    if (code !== 'E_PACKAGE_NAME' && code !== 'E_PACKAGE_MANIFEST') expect(sink.destroyed).toBe(true);
  });

  it('stops for good when aborted: the destination is destroyed and later calls throw', async () => {
    const sink = new BufferSink();
    const writer = createPackageWriter(manifestFor([{ ...otherTable, upsertCount: 2 }]), sink);
    await writer.writeRows('Store', [{ op: 'upsert', values: [1] }]);
    writer.abort();
    expect(sink.destroyed).toBe(true);
    await expect(writer.writeRows('Store', [{ op: 'upsert', values: [2] }])).rejects.toMatchObject({ code: 'E_PACKAGE_WRITER' });
    await expect(writer.end()).rejects.toMatchObject({ code: 'E_PACKAGE_WRITER' });
  });

  it('checks the text keys of encoded rows in any order, and refuses one met twice', async () => {
    const codes: TableSpec = {
      name: 'Code',
      columns: [{ name: 'code', type: 'string', nullable: false }],
      primaryKey: ['code'],
      upsertCount: 2,
      deleteCount: 0,
    };
    const encoded = (keys: string[]) => ({
      bytes: Buffer.from(keys.map((key) => `${JSON.stringify([key])}\n`).join('')),
      lineBytes: keys.map((key) => JSON.stringify([key]).length),
      keys,
    });
    const sink = new BufferSink();
    const writer = createPackageWriter(manifestFor([codes]), sink);
    await writer.writeEncoded('Code', Readable.from([encoded(['b', 'a'])]));
    await writer.end();
    await expect(verifyPackage(() => Readable.from([sink.bytes]))).resolves.toMatchObject({ manifest: { tables: [codes] } });
    const twice = createPackageWriter(manifestFor([codes]), new BufferSink());
    await expect(twice.writeEncoded('Code', Readable.from([encoded(['a', 'a'])]))).rejects.toMatchObject({
      code: 'E_PACKAGE_DUPLICATE_KEY',
    });
  });

  it('signs when given a key, and the signature checks against the public key', async () => {
    const { generateSigningKeyPair } = await import('../../src/package/signature.js');
    const keys = generateSigningKeyPair();
    const sink = new BufferSink();
    const writer = createPackageWriter(manifestFor([{ ...otherTable, upsertCount: 0 }]), sink, { signingKey: keys.privateKeyPem });
    expect((await writer.end()).signed).toBe(true);
    const verified = await verifyPackage(() => Readable.from([sink.bytes]), { publicKey: keys.publicKeyPem });
    expect(verified.signature).toBe('verified');
  });
});

describe('the package writer never writes what a reader refuses', () => {
  const note: TableSpec = {
    name: 'Note',
    columns: [
      { name: 'id', type: 'integer', nullable: false },
      { name: 'text', type: 'string', nullable: false },
    ],
    primaryKey: ['id'],
    upsertCount: 1,
    deleteCount: 0,
  };

  it('refuses a string holding a lone surrogate', async () => {
    const result = await failure(manifestFor([note]), [['Note', [{ op: 'upsert', values: [1, 'a\ud800b'] }]]]);
    expect(result.code).toBe('E_PACKAGE_ROW');
  });

  it('refuses a row line longer than 8 MiB, counted in bytes', async () => {
    const atLimit = 'é'.repeat((8 * 1024 * 1024 - '[1,""]'.length) / 2);
    expect((await failure(manifestFor([note]), [['Note', [{ op: 'upsert', values: [1, atLimit] }]]])).code).toBe('written');
    expect((await failure(manifestFor([note]), [['Note', [{ op: 'upsert', values: [1, `${atLimit}x`] }]]])).code).toBe('E_PACKAGE_LIMIT');
  });

  it('refuses content that compresses more than 256:1, and writes the same rows at a level that keeps under it', async () => {
    const rows: PackageRow[] = Array.from({ length: 24 }, (_, i) => ({ op: 'upsert', values: [i, 'a'.repeat(1024 * 1024)] }));
    const manifest = manifestFor([{ ...note, upsertCount: rows.length }]);
    const sink = new BufferSink();
    const tight = createPackageWriter(manifest, sink, { compressionLevel: 9 });
    await tight.writeRows('Note', rows);
    await expect(tight.end()).rejects.toMatchObject({ code: 'E_PACKAGE_LIMIT', message: expect.stringContaining('256:1') });
    const loose = new BufferSink();
    const writer = createPackageWriter(manifest, loose, { compressionLevel: 1 });
    await writer.writeRows('Note', rows);
    await writer.end();
    expect((await verifyPackage(() => Readable.from([loose.bytes]))).manifest.tables[0]?.upsertCount).toBe(24);
  });
});
