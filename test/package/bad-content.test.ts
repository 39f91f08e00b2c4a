import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { errorCode, errorMessage } from '../../src/errors.js';
import { encodeTail } from '../../src/package/frame.js';
import { openPackage, verifyPackage, type PackageReaderOptions } from '../../src/package/reader.js';
import { frameContent, sampleLines } from './package-fixtures.js';

async function outcome(bytes: Buffer, options: PackageReaderOptions = {}): Promise<string> {
  try {
    await verifyPackage(() => Readable.from([bytes]), { label: 'store042_download_000000000007.acpkg', ...options });
    return 'accepted';
  } catch (error) {
    return `${errorCode(error)}: ${errorMessage(error)}`;
  }
}

/** The manifest as JSON, loosely typed so that a test can break it. */
interface EditableManifest {
  tables: [EditableTable, ...EditableTable[]];
  [field: string]: unknown;
}

interface EditableTable {
  columns: [Record<string, unknown>, Record<string, unknown>, ...Record<string, unknown>[]];
  [field: string]: unknown;
}

/** The sample's lines with the manifest edited. */
function withManifest(edit: (manifest: EditableManifest) => void): string[] {
  const lines = sampleLines();
  const manifest = JSON.parse(lines[0] as string) as EditableManifest;
  edit(manifest);
  lines[0] = JSON.stringify(manifest);
  return lines;
}

function replaceLine(index: number, line: string): string[] {
  const lines = sampleLines();
  lines[index] = line;
  return lines;
}

describe('content that passes the integrity checks but breaks the format', () => {
  it('accepts the unedited sample (the baseline every case below changes one thing of)', async () => {
    expect(await outcome(frameContent(sampleLines()))).toBe('accepted');
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown major version', withManifest((m) => (m.formatVersion = '2.0')), /^E_PACKAGE_VERSION: .*2\.0 is not supported/],
    ['a version that is not MAJOR.MINOR', withManifest((m) => (m.formatVersion = 'one')), /^E_PACKAGE_VERSION/],
    ['more upserts than declared', withManifest((m) => (m.tables[0].upsertCount = 2)), /^E_PACKAGE_COUNTS: .*line 5 is one upsert more/],
    [
      'fewer upserts than declared',
      withManifest((m) => (m.tables[0].upsertCount = 4)),
      /^E_PACKAGE_COUNTS: .*declares 4 upserts .* holds 3/,
    ],
    ['fewer deletes than declared', withManifest((m) => (m.tables[0].deleteCount = 2)), /^E_PACKAGE_COUNTS/],
    [
      'a row with a column missing',
      replaceLine(2, '["P1",1,"1.50",true,0,"AP8="]'),
      /^E_PACKAGE_ROW: .*line 3, table Product: expected 7 values, got 6/,
    ],
    ['a row with a column too many', replaceLine(2, '["P1",1,"1.50",true,0,"AP8=",null,1]'), /^E_PACKAGE_ROW/],
    [
      'a string where an integer belongs',
      replaceLine(2, '["P1","one","1.50",true,0,null,null]'),
      /^E_PACKAGE_ROW: .*column quantity \(integer\)/,
    ],
    ['a float where an integer belongs', replaceLine(2, '["P1",1.5,"1.50",true,0,null,null]'), /^E_PACKAGE_ROW/],
    [
      'an integer beyond 2^53 as a JSON number',
      replaceLine(2, '["P1",9007199254740993,"1.50",true,0,null,null]'),
      /^E_PACKAGE_ROW: .*as strings/,
    ],
    ['an integer beyond 64 bits', replaceLine(2, '["P1","9223372036854775808","1.50",true,0,null,null]'), /^E_PACKAGE_ROW: .*64-bit/],
    ['a decimal as a number', replaceLine(2, '["P1",1,1.5,true,0,null,null]'), /^E_PACKAGE_ROW: .*column price/],
    ['a malformed decimal', replaceLine(2, '["P1",1,"1.",true,0,null,null]'), /^E_PACKAGE_ROW/],
    ['a boolean as 1', replaceLine(2, '["P1",1,"1.5",1,0,null,null]'), /^E_PACKAGE_ROW: .*column active/],
    ['a timestamp as text', replaceLine(2, '["P1",1,"1.5",true,"2026-01-01",null,null]'), /^E_PACKAGE_ROW: .*column updatedAt/],
    ['a timestamp out of range', replaceLine(2, '["P1",1,"1.5",true,8640000000000001,null,null]'), /^E_PACKAGE_ROW/],
    ['binary that is not base64', replaceLine(2, '["P1",1,"1.5",true,0,"not base64!",null]'), /^E_PACKAGE_ROW: .*column image/],
    ['null where the column is not nullable', replaceLine(2, '["P1",null,"1.5",true,0,null,null]'), /^E_PACKAGE_ROW: .*not nullable/],
    ['a row that is not JSON', replaceLine(2, '["P1",1,]'), /^E_PACKAGE_ROW: .*line 3 is not valid JSON/],
    ['a delete with a null key', replaceLine(5, '{"delete":[null]}'), /^E_PACKAGE_ROW: .*primary key/],
    [
      'a duplicate primary key',
      replaceLine(3, '["P1","9007199254740993","-0.001",false,1,null,null]'),
      /^E_PACKAGE_DUPLICATE_KEY: .*line 4, table Product: primary key "P1"/,
    ],
    ['an upsert and a delete of one key', replaceLine(5, '{"delete":["P3"]}'), /^E_PACKAGE_DUPLICATE_KEY/],
    [
      'a table name that is not an identifier',
      withManifest((m) => (m.tables[0].name = 'Product; DROP')),
      /^E_PACKAGE_NAME: .*not a plain identifier/,
    ],
    ['a column name that is not an identifier', withManifest((m) => (m.tables[0].columns[1].name = '1st')), /^E_PACKAGE_NAME/],
    ['a nullable primary key column', withManifest((m) => (m.tables[0].columns[0].nullable = true)), /^E_PACKAGE_MANIFEST/],
    ['a primary key naming no column', withManifest((m) => (m.tables[0].primaryKey = ['sku'])), /^E_PACKAGE_MANIFEST/],
    ['deletes in a full package', withManifest((m) => (m.kind = 'full')), /^E_PACKAGE_MANIFEST: .*full package/],
    ['a manifest without a channel', withManifest((m) => delete m.channelId), /^E_PACKAGE_MANIFEST: .*channelId/],
    ['a manifest with a bad created time', withManifest((m) => (m.createdAt = '2026-02-30T00:00:00Z')), /^E_PACKAGE_MANIFEST/],
    [
      'rows before any table section',
      [sampleLines()[0] as string, ...sampleLines().slice(2)],
      /^E_PACKAGE_CORRUPT: .*before any table section/,
    ],
    [
      'a missing table section',
      withManifest((m) => m.tables.push({ ...m.tables[0], name: 'Other', upsertCount: 0, deleteCount: 0 })),
      /^E_PACKAGE_CORRUPT: .*section of table Other is missing/,
    ],
    ['lines after the last table', [...sampleLines(), '{"table":"Product"}'], /^E_PACKAGE_CORRUPT: .*should end/],
    ['a line that is neither row nor section', [...sampleLines(), '42'], /^E_PACKAGE_CORRUPT/],
    ['a first line that is not the manifest', ['{"hello":"world"}'], /^E_PACKAGE_NOT_A_PACKAGE/],
  ])('refuses %s', async (_name, lines, expected) => {
    expect(await outcome(frameContent(lines))).toMatch(expected);
  });

  it('accepts a higher minor version with fields it does not know', async () => {
    const lines = withManifest((m) => {
      m.formatVersion = '1.9';
      m.futureField = { anything: true };
    });
    expect(await outcome(frameContent(lines))).toBe('accepted');
  });

  it('refuses a package for another channel, direction or file name when told what to expect', async () => {
    const bytes = frameContent(sampleLines());
    expect(await outcome(bytes, { expectedChannelId: 'store001' })).toMatch(/^E_PACKAGE_CHANNEL: .*channel store042, not store001/);
    expect(await outcome(bytes, { expectedDirection: 'upload' })).toMatch(/^E_PACKAGE_CHANNEL/);
    expect(await outcome(bytes, { expectedFileName: 'store042_download_000000000008.acpkg' })).toMatch(/^E_PACKAGE_NAME/);
    expect(
      await outcome(bytes, {
        expectedChannelId: 'store042',
        expectedDirection: 'download',
        expectedFileName: 'store042_download_000000000007.acpkg',
      }),
    ).toBe('accepted');
  });

  it('names an empty file, a text file and a foreign gzip file for what they are', async () => {
    expect(await outcome(Buffer.alloc(0))).toMatch(/^E_PACKAGE_EMPTY: store042_download_000000000007\.acpkg: the file is empty/);
    expect(await outcome(Buffer.from('id,name\n1,apple\n'))).toMatch(/^E_PACKAGE_NOT_A_PACKAGE/);
    expect(await outcome(gzipSync(Buffer.from('id,name\n1,apple\n')))).toMatch(/^E_PACKAGE_NOT_A_PACKAGE/);
  });

  it('refuses to hand out rows when the file changed after it was verified', async () => {
    let bytes = frameContent(sampleLines());
    const opened = await openPackage(() => Readable.from([bytes]));
    bytes = frameContent(replaceLine(2, '["P1",2,"1.50",true,0,"AP8=","é"]'));
    const read = async (): Promise<number> => {
      let rows = 0;
      for await (const batch of opened.batches()) rows += batch.rows.length;
      return rows;
    };
    await expect(read()).rejects.toMatchObject({ code: 'E_PACKAGE_CHECKSUM' });
  });
});

describe('a body that is not valid gzip behind a valid digest', () => {
  it('is reported as corrupt, not as a zlib error', async () => {
    const good = frameContent(sampleLines());
    const tailStart = good.lastIndexOf('{"sha256"');
    const body = Buffer.from(good.subarray(0, tailStart));
    body[body.length - 8] = (body[body.length - 8] as number) ^ 1; // the gzip CRC-32 no longer matches
    const reframed = Buffer.concat([body, encodeTail({ sha256: createHash('sha256').update(body).digest('hex') })]);
    expect(await outcome(reframed)).toMatch(/^E_PACKAGE_CORRUPT: .*the gzip trailer does not match the content/);
  });
});
