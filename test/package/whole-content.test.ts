import { Readable } from 'node:stream';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { errorCode, errorMessage } from '../../src/errors.js';
import { openPackageForApply, verifyPackage, type PackageSource } from '../../src/package/reader.js';
import { Decimal, type PackageRow, type RowBatch } from '../../src/package/types.js';
import { inflateWhole } from '../../src/package/whole-content.js';
import { hostileCases } from './hostile-packages.js';
import { frameContent, manifestFor, productTable, sampleLines, writePackage } from './package-fixtures.js';

const options = { expectedChannelId: 'store-7', expectedDirection: 'download' } as const;

async function refusal(source: PackageSource): Promise<string> {
  return verifyPackage(source, options).then(
    () => 'accepted',
    (error: unknown) => `${errorCode(error)}: ${errorMessage(error)}`,
  );
}

async function rowsOf(source: PackageSource): Promise<RowBatch[]> {
  const opened = await openPackageForApply(source);
  const batches: RowBatch[] = [];
  for await (const batch of opened.batches()) batches.push(batch);
  return batches;
}

describe('a small package held whole is inflated in one call', () => {
  test('a plain gzip member gives its content; anything unusual is left to the streamed inflater (undefined)', () => {
    const content = Buffer.from('manifest\nrow\n'.repeat(50));
    const member = gzipSync(content);
    expect(inflateWhole(member)?.equals(content)).toBe(true);
    const badCrc = Buffer.from(member);
    badCrc[badCrc.length - 8] = (badCrc[badCrc.length - 8] as number) ^ 1;
    expect(inflateWhole(badCrc)).toBeUndefined();
    expect(inflateWhole(Buffer.concat([member, gzipSync(content)]))).toBeUndefined();
    expect(inflateWhole(member.subarray(0, 12))).toBeUndefined();
    // Content past the bound inflated at once on the calling thread (4 MiB): streamed instead, under the reader's limits.
    expect(inflateWhole(gzipSync(Buffer.alloc(5 * 1024 * 1024, 0x20)))).toBeUndefined();
    expect(inflateWhole(deflateRawSync(content))).toBeUndefined();
  });

  test('gives the same rows and manifest as the stream of the same bytes', async () => {
    const bytes = frameContent(sampleLines());
    const held = await rowsOf(bytes);
    expect(held).toEqual(await rowsOf(() => Readable.from([bytes])));
    expect(held.flatMap((batch) => batch.rows)).toHaveLength(4);
    expect((await openPackageForApply(bytes)).manifest).toEqual((await openPackageForApply(() => Readable.from([bytes]))).manifest);
  });

  test('is inflated and parsed once: its rows come from the opening, not from the bytes again', async () => {
    const bytes = frameContent(sampleLines());
    const expected = await rowsOf(Buffer.from(bytes));
    const opened = await openPackageForApply(bytes);
    // Had the rows been inflated again, these bytes would no longer give them.
    bytes.fill(0);
    const batches: RowBatch[] = [];
    for await (const batch of opened.batches()) batches.push(batch);
    expect(batches).toEqual(expected);
  });

  test('a second read of the rows starts again from the bytes', async () => {
    const bytes = frameContent(sampleLines());
    const opened = await openPackageForApply(bytes);
    const first: RowBatch[] = [];
    for await (const batch of opened.batches()) first.push(batch);
    const again: RowBatch[] = [];
    for await (const batch of opened.batches()) again.push(batch);
    expect(again).toEqual(first);
  });

  test('content past 64 KiB is not kept from the opening: its rows are read from the bytes', async () => {
    const rows: PackageRow[] = Array.from({ length: 2_000 }, (_, i) => ({
      op: 'upsert',
      values: [`P${i}`, i, new Decimal('1.50'), true, new Date(i), null, 'x'.repeat(40)],
    }));
    const bytes = await writePackage(
      manifestFor([{ ...productTable, upsertCount: rows.length, deleteCount: 0 }]),
      new Map([['Product', rows]]),
    );
    const opened = await openPackageForApply(bytes);
    expect(opened.manifest.tables[0]?.upsertCount).toBe(2_000);
    bytes.fill(0);
    const read = (async () => {
      for await (const _batch of opened.batches());
    })();
    await expect(read).rejects.toMatchObject({ code: 'E_PACKAGE_CHECKSUM' });
  });

  test.each(hostileCases({ channelId: 'store-7', sequence: 2 }).map((hostile) => [hostile.name, hostile] as const))(
    'refuses %s as the stream does',
    async (_name, hostile) => {
      const bytes = hostile.bytes();
      const streamed = await refusal(() => Readable.from([bytes]));
      expect(await refusal(bytes)).toBe(streamed);
      expect(streamed).toMatch(new RegExp(`^${hostile.code}: `));
    },
  );
});
