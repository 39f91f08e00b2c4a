import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { errorCode } from '../../src/errors.js';
import { verifyPackage } from '../../src/package/reader.js';
import { productTable, writePackage, manifestFor } from './package-fixtures.js';
import { Decimal, type PackageRow } from '../../src/package/types.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');

/** Feeds the bytes in small chunks so that the reader's hold-back of the trailer is crossed. */
function chunked(bytes: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 997) chunks.push(bytes.subarray(at, at + 997));
  return Readable.from(chunks);
}

async function rejection(bytes: Buffer, withKey = false): Promise<string> {
  try {
    await verifyPackage(() => chunked(bytes), withKey ? { publicKey } : {});
  } catch (error) {
    return errorCode(error);
  }
  return 'accepted';
}

/** A signed package with distinct manifest, rows and trailer regions; random images make it big. */
async function signedPackage(rowCount: number, imageBytes: number): Promise<Buffer> {
  const rows: PackageRow[] = Array.from({ length: rowCount }, (_, i) => ({
    op: 'upsert',
    values: [
      `P${i}`,
      i * 1_000_003,
      new Decimal(`${i}.25`),
      i % 2 === 0,
      new Date(1_700_000_000_000 + i),
      randomBytes(imageBytes),
      `name ${i}`,
    ],
  }));
  const table = { ...productTable, upsertCount: rows.length, deleteCount: 0 };
  return writePackage(manifestFor([table]), new Map([['Product', rows]]), { signingKey: privateKey });
}

describe('a damaged package is always rejected before use', () => {
  let good: Buffer;
  let big: Buffer;
  beforeAll(async () => {
    good = await signedPackage(40, 0);
    big = await signedPackage(100, 200);
    expect(await rejection(good, true)).toBe('accepted');
    expect(big.length).toBeGreaterThan(20_000);
    expect(await rejection(big, true)).toBe('accepted');
  });

  it('is rejected when a package of many chunks is truncated anywhere or has one bit flipped anywhere', async () => {
    const accepted: string[] = [];
    // Every offset of the head (gzip header, manifest) and of the end (last deflate block, trailer,
    // footer); every 13th in between, spread over the rows.
    const offsets = Array.from({ length: big.length }, (_, i) => i).filter((i) => i < 400 || i >= big.length - 400 || i % 13 === 0);
    for (const offset of offsets) {
      if ((await rejection(big.subarray(0, offset))) === 'accepted') accepted.push(`truncated at ${offset}`);
      const flipped = Buffer.from(big);
      flipped[offset] = (flipped[offset] as number) ^ (1 << (offset % 8));
      if ((await rejection(flipped)) === 'accepted') accepted.push(`bit ${offset % 8} of byte ${offset} flipped`);
    }
    expect(accepted).toEqual([]);
  });

  it('is rejected when truncated at any offset (manifest, rows, trailer, footer)', async () => {
    const codes = new Set<string>();
    for (let length = 0; length < good.length; length++) {
      const code = await rejection(good.subarray(0, length));
      expect([length, code]).toEqual([length, length === 0 ? 'E_PACKAGE_EMPTY' : 'E_PACKAGE_TRUNCATED']);
      codes.add(code);
    }
    expect(codes.size).toBe(2);
  });

  it('is rejected when any single bit of any byte is flipped', async () => {
    const accepted: number[] = [];
    const codes = new Set<string>();
    for (let offset = 0; offset < good.length; offset++) {
      for (let bit = 0; bit < 8; bit++) {
        const bytes = Buffer.from(good);
        bytes[offset] = (bytes[offset] as number) ^ (1 << bit);
        const code = await rejection(bytes);
        if (code === 'accepted') accepted.push(offset * 8 + bit);
        codes.add(code);
      }
    }
    expect(accepted).toEqual([]);
    expect(
      [...codes].every((code) => ['E_PACKAGE_CHECKSUM', 'E_PACKAGE_CORRUPT', 'E_PACKAGE_TRUNCATED', 'E_PACKAGE_VERSION'].includes(code)),
    ).toBe(true);
  });

  it.each([
    ['one zero byte', Buffer.alloc(1)],
    ['a kilobyte of zeros', Buffer.alloc(1024)],
    ['text', Buffer.from('garbage\n')],
    ['a gzip header', Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3])],
  ])('is rejected with %s appended', async (_name, extra) => {
    expect(await rejection(Buffer.concat([good, extra]))).toBe('E_PACKAGE_TRUNCATED');
  });

  it('is rejected when a second package is appended to it', async () => {
    expect(await rejection(Buffer.concat([good, good]))).toBe('E_PACKAGE_CHECKSUM');
  });

  it('is rejected when its signature is stripped or made by another key, once a key is pinned', async () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    const rows = new Map([['Product', [] as PackageRow[]]]);
    const table = { ...productTable, upsertCount: 0, deleteCount: 0 };
    const unsigned = await writePackage(manifestFor([table]), rows);
    const wronglySigned = await writePackage(manifestFor([table]), rows, { signingKey: other });
    expect(await rejection(unsigned, true)).toBe('E_PACKAGE_SIGNATURE');
    expect(await rejection(wronglySigned, true)).toBe('E_PACKAGE_SIGNATURE');
    expect(await rejection(unsigned, false)).toBe('accepted');
  });
});
