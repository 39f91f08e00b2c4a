import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { readPackageBatches, verifyPackage } from '../../src/package/reader.js';
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
