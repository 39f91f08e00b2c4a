import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { crc32, gunzipSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { assemblePackage } from '../../src/package/assembled-package.js';
import { crc32Combine } from '../../src/package/crc32-combine.js';
import { generateSigningKeyPair, readPackageBatches, verifyPackage, type PackageManifestInput } from '../../src/package/index.js';
import { FOOTER_BYTES } from '../../src/package/frame.js';
import { BodySpool } from '../../src/package/spooled-body.js';

describe('crc32Combine', () => {
  it('equals the CRC-32 of the concatenation, for any split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 3000 }), (a, b) => {
        const whole = crc32(Buffer.concat([a, b]));
        expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(whole);
      }),
    );
  });
});

describe('assemblePackage', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'assembled-'));
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  const manifest = (channelId: string, sequence: number): PackageManifestInput => ({
    direction: 'download',
    channelId,
    sequence,
    job: { id: 'J1', name: 'Prices' },
    dataGroup: 'all',
    kind: 'incremental',
    createdAt: '2026-11-27T10:00:00.000Z',
    producer: 'test',
    tables: [
      {
        name: 'price',
        columns: [
          { name: 'id', type: 'integer', nullable: false },
          { name: 'amount', type: 'decimal', nullable: true },
        ],
        primaryKey: ['id'],
        upsertCount: 2000,
        deleteCount: 1,
      },
    ],
  });

  async function spoolRows(): Promise<Awaited<ReturnType<BodySpool['finish']>>> {
    const spool = new BodySpool(join(folder, 'body'));
    await spool.write(Buffer.from('{"table":"price"}\n'));
    for (let start = 0; start < 2000; start += 500) {
      let lines = '';
      for (let id = start; id < start + 500; id++) lines += `[${id},${id % 7 === 0 ? 'null' : `"${id}.50"`}]\n`;
      await spool.write(Buffer.from(lines));
    }
    await spool.write(Buffer.from('{"delete":[5000]}\n'));
    return spool.finish();
  }

  async function writeOut(name: string, content: Readable): Promise<string> {
    const path = join(folder, name);
    await writeFile(path, content);
    return path;
  }

  it('frames one spooled body for several channels, each with its own manifest, digest and signature', async () => {
    const body = await spoolRows();
    const keys = generateSigningKeyPair();
    const results = [];
    for (const channel of ['store-1', 'store-2']) {
      const assembled = assemblePackage(manifest(channel, 7), body, keys.privateKeyPem);
      const path = await writeOut(`${channel}_download_000000000007.acpkg`, assembled.content);
      const verified = await verifyPackage(path, { publicKey: keys.publicKeyPem, expectedChannelId: channel });
      expect(verified.manifest.channelId).toBe(channel);
      expect(verified.sha256).toBe(assembled.result().sha256);
      expect(assembled.result()).toMatchObject({ signed: true });
      results.push(assembled.result().sha256);

      let upserts = 0;
      let deletes = 0;
      for await (const batch of readPackageBatches(path)) {
        for (const row of batch.rows) {
          if (row.op === 'upsert') upserts++;
          else deletes++;
        }
      }
      expect({ upserts, deletes }).toEqual({ upserts: 2000, deletes: 1 });
    }
    expect(results[0]).not.toBe(results[1]);
  });

  it('keeps the body a single standard gzip member whose content starts with the manifest line', async () => {
    const body = await spoolRows();
    const assembled = assemblePackage(manifest('store-1', 1), body);
    const path = await writeOut('p.acpkg', assembled.content);
    const bytes = readFileSync(path);
    const trailerBytes = Number.parseInt(bytes.subarray(bytes.length - FOOTER_BYTES + 1, bytes.length - FOOTER_BYTES + 9).toString(), 16);
    const gzip = bytes.subarray(0, bytes.length - FOOTER_BYTES - trailerBytes);
    // One member: the deflate data between the 10-byte header and the 8-byte trailer holds the
    // whole content, and the trailer's CRC-32 and length are those of the whole content.
    const content = inflateRawSync(gzip.subarray(10, gzip.length - 8));
    expect(content.equals(gunzipSync(gzip))).toBe(true);
    expect(gzip.readUInt32LE(gzip.length - 8)).toBe(crc32(content));
    expect(gzip.readUInt32LE(gzip.length - 4)).toBe(content.length);
    const lines = content.toString().split('\n');
    expect(JSON.parse(lines[0] as string)).toMatchObject({ format: 'async-client-package', channelId: 'store-1', sequence: 1 });
    expect(lines[1]).toBe('{"table":"price"}');
  });

  it('writes the same bytes through writeTo, which reuses one buffer, as through the stream', async () => {
    const body = await spoolRows();
    const streamed = await readFile(await writeOut('streamed.acpkg', assemblePackage(manifest('store-1', 3), body).content));
    const chunks: Buffer[] = [];
    const written = await assemblePackage(manifest('store-1', 3), body).writeTo(async (chunk) => {
      chunks.push(Buffer.from(chunk));
    });
    expect(Buffer.concat(chunks).equals(streamed)).toBe(true);
    expect(written.fileBytes).toBe(streamed.length);
  });

  it('refuses a manifest that is not valid before writing a byte', () => {
    return spoolRows().then((body) => {
      expect(() => assemblePackage(manifest('bad id!', 1), body)).toThrow(expect.objectContaining({ code: 'E_PACKAGE_MANIFEST' }));
    });
  });
});
