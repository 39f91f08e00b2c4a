import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { errorCode, errorMessage } from '../../src/errors.js';
import { encodeTail } from '../../src/package/frame.js';
import { MAX_LINE_BYTES } from '../../src/package/limits.js';
import { readPackageBatches, verifyPackage } from '../../src/package/reader.js';
import { sampleLines } from './package-fixtures.js';

/** Frames a body exactly as a writer would (digest, trailer, footer), whatever the body holds. */
function frameBody(body: Buffer): Buffer {
  return Buffer.concat([body, encodeTail({ sha256: createHash('sha256').update(body).digest('hex') })]);
}

/** Content bytes: each line (text or raw bytes) followed by LF. */
function content(lines: readonly (string | Buffer)[]): Buffer {
  return Buffer.concat(lines.flatMap((line) => [Buffer.isBuffer(line) ? line : Buffer.from(line, 'utf8'), Buffer.from('\n')]));
}

/** The sample package's lines with row line 3 (the first upsert) replaced. */
function withRow(row: string | Buffer): (string | Buffer)[] {
  const lines: (string | Buffer)[] = sampleLines();
  lines[2] = row;
  return lines;
}

async function outcome(bytes: Buffer): Promise<string> {
  try {
    await verifyPackage(() => Readable.from([bytes]));
    return 'accepted';
  } catch (error) {
    return `${errorCode(error)}: ${errorMessage(error)}`;
  }
}

const good = content(sampleLines());
const utf8 = (...bytes: number[]): Buffer =>
  Buffer.concat([Buffer.from('["P1",1,"1.50",true,0,"AP8=","'), Buffer.from(bytes), Buffer.from('"]')]);

describe('strict text: UTF-8 only, Unicode only', () => {
  it('accepts the sample, and a surrogate pair written as escapes', async () => {
    expect(await outcome(frameBody(gzipSync(good)))).toBe('accepted');
    expect(await outcome(frameBody(gzipSync(content(withRow('["P1",1,"1.50",true,0,"AP8=","\\ud83d\\ude00"]')))))).toBe('accepted');
  });

  it.each([
    ['a 0xFF byte', utf8(0xff)],
    ['an overlong encoding of /', utf8(0xc0, 0xaf)],
    ['an encoded surrogate', utf8(0xed, 0xa0, 0x80)],
    ['a truncated sequence', utf8(0xe2, 0x82)],
  ])('refuses %s in a row with E_PACKAGE_ENCODING naming the line', async (_name, row) => {
    expect(await outcome(frameBody(gzipSync(content(withRow(row)))))).toMatch(/^E_PACKAGE_ENCODING: .*line 3 is not valid UTF-8/);
  });

  it('refuses invalid UTF-8 in the manifest and the trailer', async () => {
    const lines: (string | Buffer)[] = sampleLines();
    lines[0] = Buffer.from(
      (lines[0] as string).replace('"producer":"test"', '"producer":"t\u00e9st"').replace('\u00e9', '\u0000'),
      'latin1',
    );
    const manifest = Buffer.from(lines[0] as Buffer);
    manifest[manifest.indexOf(0)] = 0xe9; // a Latin-1 é: not UTF-8
    lines[0] = manifest;
    expect(await outcome(frameBody(gzipSync(content(lines))))).toMatch(/^E_PACKAGE_ENCODING: .*line 1 is not valid UTF-8/);
    const body = gzipSync(good);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const trailer = Buffer.from(`{"sha256":"${sha256}","note":"\xff"}`, 'latin1');
    const { crc32 } = await import('node:zlib');
    const footer = `\n${trailer.length.toString(16).padStart(8, '0')} ${crc32(trailer).toString(16).padStart(8, '0')} ACPKGEND\n`;
    expect(await outcome(Buffer.concat([body, trailer, Buffer.from(footer)]))).toMatch(/^E_PACKAGE_ENCODING: .*trailer is not valid UTF-8/);
  });

  it.each([
    ['a row', withRow('["P1",1,"1.50",true,0,"AP8=","\\ud800"]'), 3],
    ['a row, low half alone', withRow('["P1",1,"1.50",true,0,"AP8=","x\\udc00y"]'), 3],
    ['a delete key', [...sampleLines().slice(0, 5), '{"delete":["\\udbff"]}'], 6],
    ['a manifest member', [sampleLines()[0]?.replace('"producer":"test"', '"producer":"\\ud800"') as string, ...sampleLines().slice(1)], 1],
  ])('refuses a lone surrogate escape in %s', async (_name, lines, line) => {
    expect(await outcome(frameBody(gzipSync(content(lines))))).toMatch(
      line === 1 ? /^E_PACKAGE_ENCODING: .*lone surrogate/ : new RegExp(`^E_PACKAGE_ENCODING: .*line ${line} escapes a lone surrogate`),
    );
  });

  it.each([
    ['CR before the LF', withRow('["P1",1,"1.50",true,0,"AP8=","é"]\r')],
    ['a space after the row', withRow('["P1",1,"1.50",true,0,"AP8=","é"] ')],
    ['a tab after a section line', [sampleLines()[0] as string, '{"table":"Product"}\t', ...sampleLines().slice(2)]],
  ])('refuses %s', async (_name, lines) => {
    expect(await outcome(frameBody(gzipSync(content(lines))))).toMatch(/^E_PACKAGE_CORRUPT: .*does not end with \] or \}/);
  });

  it('refuses a CR after the manifest', async () => {
    const lines = [`${sampleLines()[0]}\r`, ...sampleLines().slice(1)];
    expect(await outcome(frameBody(gzipSync(content(lines))))).toMatch(/^E_PACKAGE_MANIFEST: .*bytes after its closing/);
  });
});

describe('one gzip member and nothing after it', () => {
  it.each([
    ['two members', Buffer.concat([gzipSync(good.subarray(0, 40)), gzipSync(good.subarray(40))])],
    ['an empty member first', Buffer.concat([gzipSync(Buffer.alloc(0)), gzipSync(good)])],
    ['bytes after the member', Buffer.concat([gzipSync(good), Buffer.from('xyz')])],
    ['a second member after the member', Buffer.concat([gzipSync(good), gzipSync(Buffer.alloc(0))])],
  ])('refuses %s even when the digest covers them', async (_name, body) => {
    expect(await outcome(frameBody(body))).toMatch(/^E_PACKAGE_CORRUPT: .*one gzip member with nothing after it/);
  });

  it('accepts a gzip header with a file name and a comment, which readers do not depend on', async () => {
    const plain = gzipSync(good);
    const header = Buffer.from(plain.subarray(0, 10));
    header[3] = 0x08 | 0x10;
    const body = Buffer.concat([header, Buffer.from('name.jsonl\0a comment\0'), plain.subarray(10)]);
    expect(await outcome(frameBody(body))).toBe('accepted');
  });
});

describe('duplicate member names and nesting', () => {
  it.each([
    [
      'in a section line',
      [sampleLines()[0] as string, '{"table":"Other","table":"Product"}', ...sampleLines().slice(2)],
      /^E_PACKAGE_CORRUPT: .*"table" appears twice/,
    ],
    ['in a delete line', [...sampleLines().slice(0, 5), '{"delete":["P9"],"delete":["P0"]}'], /^E_PACKAGE_ROW: .*"delete" appears twice/],
    [
      'in the manifest, spelled with an escape',
      [sampleLines()[0]?.replace('"producer":"test"', '"producer":"test","produc\\u0065r":"x"') as string, ...sampleLines().slice(1)],
      /^E_PACKAGE_MANIFEST: .*"producer" appears twice/,
    ],
    [
      'nested too deep in the manifest',
      [
        sampleLines()[0]?.replace('"producer":"test"', `"producer":"test","x":${'['.repeat(20)}${']'.repeat(20)}`) as string,
        ...sampleLines().slice(1),
      ],
      /^E_PACKAGE_MANIFEST: .*nested deeper than 16/,
    ],
  ])('refuses a member name twice %s', async (_name, lines, expected) => {
    expect(await outcome(frameBody(gzipSync(content(lines))))).toMatch(expected);
  });
});

describe('limits', () => {
  it('refuses a line one byte over the limit, and accepts one exactly at it', async () => {
    const filler = (bytes: number): string => `["P1",1,"1.50",true,0,"AP8=","${'é'.repeat(bytes / 2)}"]`;
    const overhead = Buffer.byteLength(filler(0));
    const atLimit = filler(MAX_LINE_BYTES - overhead);
    expect(Buffer.byteLength(atLimit)).toBe(MAX_LINE_BYTES);
    expect(await outcome(frameBody(gzipSync(content(withRow(atLimit)), { level: 0 })))).toBe('accepted');
    const over = `${atLimit.slice(0, -2)}x"]`;
    expect(Buffer.byteLength(over)).toBe(MAX_LINE_BYTES + 1);
    expect(await outcome(frameBody(gzipSync(content(withRow(over)), { level: 0 })))).toMatch(
      /^E_PACKAGE_LIMIT: .*line 3 is longer than 8388608 bytes/,
    );
  });

  it('refuses content that decompresses to more than 256 times the body, at once and whatever the count declared', async () => {
    const manifest = JSON.parse(sampleLines()[0] as string) as { tables: { upsertCount: number; deleteCount: number }[] };
    (manifest.tables[0] as { upsertCount: number }).upsertCount = 1e9;
    const row = `["P1",1,"1.50",true,0,null,"${'A'.repeat(MAX_LINE_BYTES - 100)}"]`;
    const body = gzipSync(content([JSON.stringify(manifest), '{"table":"Product"}', row]), { level: 9 });
    expect(body.length * 256).toBeLessThan(MAX_LINE_BYTES);
    expect(await outcome(frameBody(body))).toMatch(
      /^E_PACKAGE_LIMIT: .*content is larger than \d+ bytes, more than a body of \d+ bytes may hold/,
    );
  });

  it('trusts a declared row count only as far as the rows go: a count of 4e9 is a count error, not a crash', async () => {
    const manifest = JSON.parse(sampleLines()[0] as string) as { tables: { upsertCount: number }[] };
    (manifest.tables[0] as { upsertCount: number }).upsertCount = 4e9;
    const lines = [JSON.stringify(manifest), ...sampleLines().slice(1)];
    expect(await outcome(frameBody(gzipSync(content(lines))))).toMatch(/^E_PACKAGE_COUNTS: .*declares 4000000000 upserts .* holds 3/);
  });
});

describe('what the spec says about its former gaps', () => {
  async function rowsOf(lines: readonly (string | Buffer)[]): Promise<unknown[][]> {
    const rows: unknown[][] = [];
    for await (const batch of readPackageBatches(() => Readable.from([frameBody(gzipSync(content(lines)))]))) {
      for (const row of batch.rows) if (row.op === 'upsert') rows.push([...row.values]);
    }
    return rows;
  }

  it('reads an integer JSON number by its value: 3.0 is 3, 1e2 is 100, -0 is 0', async () => {
    const rows = await rowsOf([
      ...sampleLines().slice(0, 2),
      '["P1",3.0,"1.50",true,1e2,"AP8=",null]',
      '["P2",-0,"1",false,-0,null,null]',
      '["P3",1E2,"1",false,0,null,null]',
      sampleLines()[5] as string,
    ]);
    expect(rows.map((row) => row[1])).toEqual([3, 0, 100]);
    expect(Object.is(rows[1]?.[1], -0)).toBe(false);
    expect(rows[0]?.[4]).toEqual(new Date(100));
    expect(await outcome(frameBody(gzipSync(content(withRow('["P1",1.5,"1.50",true,0,"AP8=",null]')))))).toMatch(
      /^E_PACKAGE_ROW: .*column quantity/,
    );
  });

  it.each([
    ['2026-11-27T10:00:00Z', 'accepted'],
    ['2026-11-27T10:00:00.1Z', 'accepted'],
    ['2026-11-27T10:00:00.123Z', 'accepted'],
    ['2026-11-27T10:00:00.1234Z', 'E_PACKAGE_MANIFEST'],
    ['+012026-11-27T10:00:00Z', 'E_PACKAGE_MANIFEST'],
    ['2026-11-27T10:00:00+01:00', 'E_PACKAGE_MANIFEST'],
  ])('a createdAt of %s: %s', async (createdAt, expected) => {
    const lines = sampleLines();
    lines[0] = (lines[0] as string).replace('"createdAt":"2026-11-27T10:00:00.000Z"', `"createdAt":"${createdAt}"`);
    expect((await outcome(frameBody(gzipSync(content(lines))))).split(':')[0]).toBe(expected);
  });

  it('accepts a package without tables, which only moves the sequence on', async () => {
    const manifest = JSON.parse(sampleLines()[0] as string) as { tables: unknown[] };
    manifest.tables = [];
    expect(await outcome(frameBody(gzipSync(content([JSON.stringify(manifest)]))))).toBe('accepted');
  });

  it('refuses a column name twice in letter case only, and a reserved table name in any case', async () => {
    const manifest = JSON.parse(sampleLines()[0] as string) as { tables: { name: string; columns: { name: string }[] }[] };
    (manifest.tables[0]?.columns[6] as { name: string }).name = 'ID';
    expect(await outcome(frameBody(gzipSync(content([JSON.stringify(manifest), ...sampleLines().slice(1)]))))).toMatch(
      /^E_PACKAGE_MANIFEST: .*column ID is listed twice \(names are compared ignoring case\)/,
    );
    for (const name of ['async_client_meta', 'Async_Client_Watermark', 'SQLITE_SEQUENCE']) {
      const lines = sampleLines().map((line) => line.replaceAll('"Product"', `"${name}"`));
      expect(await outcome(frameBody(gzipSync(content(lines))))).toMatch(new RegExp(`^E_PACKAGE_NAME: .*table name ${name} is reserved`));
    }
  });
});

describe('batches', () => {
  it('end at a mebibyte of rows whatever their count, so large rows are handed on one or two at a time', async () => {
    const manifest = JSON.parse(sampleLines()[0] as string) as { tables: { upsertCount: number; deleteCount: number }[] };
    Object.assign(manifest.tables[0] as object, { upsertCount: 6, deleteCount: 0 });
    const rows = Array.from({ length: 6 }, (_, i) => `["P${i}",1,"1.50",true,0,null,"${'x'.repeat(600_000)}"]`);
    const sizes: number[] = [];
    const bytes = frameBody(gzipSync(content([JSON.stringify(manifest), '{"table":"Product"}', ...rows]), { level: 0 }));
    for await (const batch of readPackageBatches(() => Readable.from([bytes]), { batchRows: 64 })) sizes.push(batch.rows.length);
    expect(sizes).toEqual([2, 2, 2]);
  });
});
