import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { openPackage, readPackageBatches, verifyPackage } from '../../src/package/reader.js';
import type { PackageRow } from '../../src/package/types.js';
import { frameContent, productRows, sampleLines, writeSample } from './package-fixtures.js';

async function readAll(bytes: Buffer): Promise<PackageRow[]> {
  const rows: PackageRow[] = [];
  for await (const batch of readPackageBatches(() => Readable.from([bytes]))) rows.push(...batch.rows);
  return rows;
}

describe('a package written and read back', () => {
  it('gives back every value exactly, big integers as bigint and safe ones as numbers', async () => {
    const bytes = await writeSample();
    const rows = await readAll(bytes);
    expect(rows).toEqual(productRows);
  });

  it('is a gzip member followed by the trailer, with the manifest as the first content line', async () => {
    const bytes = await writeSample();
    const verified = await verifyPackage(() => Readable.from([bytes]));
    expect(verified.manifest.tables[0]?.upsertCount).toBe(3);
    expect(verified.signature).toBe('absent');
    expect(verified.fileBytes).toBe(bytes.length);
    const tailStart = bytes.lastIndexOf('{"sha256"');
    const content = gunzipSync(bytes.subarray(0, tailStart)).toString('utf8').split('\n');
    expect(JSON.parse(content[0] as string)).toMatchObject({ format: 'async-client-package', formatVersion: '1.0' });
  });

  it('reads hand-framed content that follows the documented layout', async () => {
    const rows = await readAll(frameContent(sampleLines()));
    expect(rows).toHaveLength(4);
  });
});

describe('openPackage, as the download cycle uses it', () => {
  it('checks the frame, then the content, then yields the rows of a third read in batches of the requested size', async () => {
    const bytes = await writeSample();
    let opened = 0;
    const source = (): Readable => {
      opened++;
      return Readable.from([bytes]);
    };
    const pkg = await openPackage(source, { batchRows: 2, expectedChannelId: 'store042' });
    expect(opened).toBe(2);
    expect(pkg.manifest.channelId).toBe('store042');
    const sizes: number[] = [];
    const rows: PackageRow[] = [];
    for await (const batch of pkg.batches()) {
      sizes.push(batch.rows.length);
      rows.push(...batch.rows);
    }
    expect(opened).toBe(3);
    expect(sizes).toEqual([2, 2]);
    expect(rows).toEqual(productRows);
  });

  it('lets a consumer stop early without leaving the source open', async () => {
    const bytes = await writeSample();
    const streams: Readable[] = [];
    const source = (): Readable => {
      streams.push(Readable.from([bytes]));
      return streams.at(-1) as Readable;
    };
    for await (const batch of readPackageBatches(source, { batchRows: 1 })) {
      expect(batch.rows).toHaveLength(1);
      break;
    }
    expect(streams).toHaveLength(2);
    expect(streams.every((stream) => stream.destroyed)).toBe(true);
  });
});
