import { createHash } from 'node:crypto';
import { constants, crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { encodeTail } from '../../src/package/frame.js';
import { MAX_LINE_BYTES } from '../../src/package/limits.js';
import { signDigest, toPrivateKey, type KeyInput } from '../../src/package/signature.js';
import { productTable } from '../download/hq-packages.js';

/**
 * Crafted packages, each breaking one rule of docs/package-format.md behind an intact frame
 * (or with a wrong digest where the rule is the order of checks), for the reader, the CLI and
 * the download cycle alike. The table is the download tests' `product` (id integer key, name
 * string, price integer or null), so a store that refuses one can go on with a good package.
 */
export interface HostileCase {
  readonly name: string;
  /** The code a reader refuses it with. */
  readonly code: string;
  /** What the refusal message must mention. */
  readonly message: RegExp;
  readonly bytes: () => Buffer;
}

export interface HostileTarget {
  readonly channelId: string;
  readonly sequence: number;
}

type ManifestEdit = (manifest: Record<string, unknown>, table: Record<string, unknown>) => void;

export function hostileManifest(target: HostileTarget, rows: number, edit: ManifestEdit = () => undefined): string {
  const table: Record<string, unknown> = { ...productTable(rows) };
  const manifest: Record<string, unknown> = {
    format: 'async-client-package',
    formatVersion: '1.0',
    direction: 'download',
    channelId: target.channelId,
    sequence: target.sequence,
    job: { id: 'N-666', name: 'Hostile' },
    dataGroup: 'default',
    kind: 'incremental',
    createdAt: '2026-11-27T12:00:00.000Z',
    producer: 'hostile test',
    tables: [table],
  };
  edit(manifest, table);
  return JSON.stringify(manifest);
}

/** Content bytes: each line (text or raw bytes) followed by LF. */
export function contentOf(lines: readonly (string | Buffer)[]): Buffer {
  return Buffer.concat(lines.flatMap((line) => [Buffer.isBuffer(line) ? line : Buffer.from(line, 'utf8'), Buffer.from('\n')]));
}

/** A body framed exactly as a writer frames it: digest (and signature) over whatever the body holds. */
export function frameBody(body: Buffer, signingKey?: KeyInput): Buffer {
  const sha256 = createHash('sha256').update(body).digest('hex');
  const signature = signingKey === undefined ? undefined : signDigest(sha256, toPrivateKey(signingKey));
  return Buffer.concat([body, encodeTail(signature === undefined ? { sha256 } : { sha256, signature })]);
}

/** A package of `product` rows, its content lines edited or replaced. */
function rowsPackage(target: HostileTarget, rows: readonly (string | Buffer)[], edit?: ManifestEdit, level = 6): Buffer {
  return frameBody(gzipSync(contentOf([hostileManifest(target, rows.length, edit), '{"table":"product"}', ...rows]), { level }));
}

/** The same body under an intact trailer whose digest is of other bytes. */
function wrongDigest(bytes: Buffer): Buffer {
  const body = bytes.subarray(0, bytes.lastIndexOf('{"sha256":"'));
  return Buffer.concat([body, encodeTail({ sha256: createHash('sha256').update('other bytes').digest('hex') })]);
}

/**
 * A gzip member made of pieces deflated one by one, each flushed to a byte boundary without
 * reference to earlier bytes, so that concatenating them is one valid deflate stream: a piece
 * repeated a thousand times is deflated once. Builds a gibibyte bomb in milliseconds.
 */
function memberOf(pieces: readonly Buffer[]): Buffer {
  const deflated = new Map<Buffer, Buffer>();
  let crc = 0;
  let size = 0;
  const blocks = pieces.map((piece) => {
    crc = crc32(piece, crc);
    size += piece.length;
    let block = deflated.get(piece);
    if (block === undefined) {
      block = deflateRawSync(piece, { finishFlush: constants.Z_FULL_FLUSH });
      deflated.set(piece, block);
    }
    return block;
  });
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  return Buffer.concat([header, ...blocks, deflateRawSync(Buffer.alloc(0)), trailer]);
}

/**
 * A gzip bomb behind a valid manifest: rows of distinct keys whose names are a mebibyte of one
 * letter, so that each line is within the line limit and only the decompressed size can stop it.
 */
export function rowBomb(target: HostileTarget, rows = 64, signingKey?: KeyInput): Buffer {
  const name = Buffer.alloc(1024 * 1024, 'a');
  const end = Buffer.from('",null]\n');
  const pieces = [contentOf([hostileManifest(target, rows), '{"table":"product"}'])];
  for (let i = 0; i < rows; i++) pieces.push(Buffer.from(`[${i},"`), name, end);
  return frameBody(memberOf(pieces), signingKey);
}

/** The classic bomb: a gibibyte of spaces after the manifest and section, one line that never ends. */
export function spaceBomb(target: HostileTarget, mebibytes = 1024): Buffer {
  const spaces = Buffer.alloc(1024 * 1024, 0x20);
  const head = contentOf([hostileManifest(target, 1), '{"table":"product"}']);
  return frameBody(memberOf([head, ...Array.from({ length: mebibytes }, () => spaces)]));
}

/** Rows of `count` distinct keys, out of order after the first half so that duplicate checks need their table. */
function keys(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const id = i < count / 2 ? i : count + count - i;
    return `[${id},"p${id}",1]`;
  });
}

const overLongName = (bytes: number): string => {
  const shell = '[1,"",null]';
  return `[1,"${'é'.repeat((bytes - shell.length) / 2)}${(bytes - shell.length) % 2 === 1 ? 'x' : ''}",null]`;
};

export function hostileCases(target: HostileTarget): HostileCase[] {
  const good = (): Buffer => rowsPackage(target, ['[1,"ok",1]']);
  return [
    // 1. Order of checks: a wrong digest is refused from the raw bytes, the bomb never inflated.
    {
      name: 'a gzip bomb with a wrong digest',
      code: 'E_PACKAGE_CHECKSUM',
      message: /SHA-256/,
      bytes: () => wrongDigest(spaceBomb(target)),
    },
    // 2. Hard limits.
    {
      name: 'a gzip bomb of one endless line',
      code: 'E_PACKAGE_LIMIT',
      message: /line 3 is longer than 8388608 bytes/,
      bytes: () => spaceBomb(target),
    },
    { name: 'a gzip bomb of valid rows', code: 'E_PACKAGE_LIMIT', message: /content is larger than/, bytes: () => rowBomb(target) },
    {
      name: 'a line one byte over the limit',
      code: 'E_PACKAGE_LIMIT',
      message: /line 3 is longer than 8388608 bytes/,
      bytes: () => rowsPackage(target, [overLongName(MAX_LINE_BYTES + 1)], undefined, 0),
    },
    ...[200_000, 1_000_000].map(
      (rows): HostileCase => ({
        name: `a count of 1e9 declared over ${rows.toLocaleString('en')} rows`,
        code: 'E_PACKAGE_COUNTS',
        message: new RegExp(`declares 1000000000 upserts and 0 deletes but holds ${rows}`),
        bytes: () => rowsPackage(target, keys(rows), (_m, t) => (t.upsertCount = 1e9)),
      }),
    ),
    {
      name: 'a count of 4e9 declared',
      code: 'E_PACKAGE_COUNTS',
      message: /declares 4000000000 upserts/,
      bytes: () => rowsPackage(target, keys(3), (_m, t) => (t.upsertCount = 4e9)),
    },
    // 3. Strict text.
    {
      name: 'a 0xFF byte in a row',
      code: 'E_PACKAGE_ENCODING',
      message: /line 3 is not valid UTF-8/,
      bytes: () => rowsPackage(target, [Buffer.from([...Buffer.from('[1,"'), 0xff, ...Buffer.from('",1]')])]),
    },
    {
      name: 'an overlong UTF-8 sequence in a row',
      code: 'E_PACKAGE_ENCODING',
      message: /line 3 is not valid UTF-8/,
      bytes: () => rowsPackage(target, [Buffer.from([...Buffer.from('[1,"'), 0xc0, 0xaf, ...Buffer.from('",1]')])]),
    },
    {
      name: 'a lone surrogate escape in a row',
      code: 'E_PACKAGE_ENCODING',
      message: /line 3 escapes a lone surrogate/,
      bytes: () => rowsPackage(target, ['[1,"\\ud800",1]']),
    },
    {
      name: 'a second gzip member',
      code: 'E_PACKAGE_CORRUPT',
      message: /one gzip member with nothing after it/,
      bytes: () => {
        const content = contentOf([hostileManifest(target, 2), '{"table":"product"}', '[1,"one",1]', '[2,"two",2]']);
        return frameBody(
          Buffer.concat([gzipSync(content.subarray(0, content.length - 12)), gzipSync(content.subarray(content.length - 12))]),
        );
      },
    },
    {
      name: 'bytes after the gzip member',
      code: 'E_PACKAGE_CORRUPT',
      message: /one gzip member with nothing after it/,
      bytes: () => {
        const body = good();
        return frameBody(Buffer.concat([body.subarray(0, body.lastIndexOf('{"sha256"')), Buffer.from('[2,"two",2]\n')]));
      },
    },
    // 4. Reserved names.
    ...['async_client_meta', 'ASYNC_CLIENT_WATERMARK', 'sqlite_sequence'].map(
      (name): HostileCase => ({
        name: `a full package for ${name}`,
        code: 'E_PACKAGE_NAME',
        message: new RegExp(`table name ${name} is reserved`),
        bytes: () =>
          frameBody(
            gzipSync(
              contentOf([
                hostileManifest(target, 1, (m, t) => {
                  m.kind = 'full';
                  t.name = name;
                  t.columns = [
                    { name: 'key', type: 'string', nullable: false },
                    { name: 'value', type: 'string', nullable: false },
                  ];
                  t.primaryKey = ['key'];
                }),
                `{"table":"${name}"}`,
                '["schema_version","999"]',
              ]),
            ),
          ),
      }),
    ),
    // 5. What the spec now says about its former gaps.
    {
      name: 'a manifest member twice',
      code: 'E_PACKAGE_MANIFEST',
      message: /"kind" appears twice/,
      bytes: () => {
        const manifest = hostileManifest(target, 1).replace('"kind":"incremental"', '"kind":"full","kind":"incremental"');
        return frameBody(gzipSync(contentOf([manifest, '{"table":"product"}', '[1,"x",1]'])));
      },
    },
    {
      name: 'an empty job id',
      code: 'E_PACKAGE_MANIFEST',
      message: /manifest\.job\.id: expected a non-empty string/,
      bytes: () => rowsPackage(target, ['[1,"x",1]'], (m) => (m.job = { id: '', name: 'x' })),
    },
    {
      name: 'an empty data group',
      code: 'E_PACKAGE_MANIFEST',
      message: /manifest\.dataGroup: expected a non-empty string/,
      bytes: () => rowsPackage(target, ['[1,"x",1]'], (m) => (m.dataGroup = '')),
    },
    {
      name: 'two tables differing only in case',
      code: 'E_PACKAGE_MANIFEST',
      message: /table PRODUCT is listed twice \(names are compared ignoring case\)/,
      bytes: () => rowsPackage(target, ['[1,"x",1]'], (m, t) => (m.tables = [t, { ...t, name: 'PRODUCT', upsertCount: 0 }])),
    },
    {
      name: 'a CR before the LF',
      code: 'E_PACKAGE_CORRUPT',
      message: /line 3 does not end with \] or \}/,
      bytes: () => rowsPackage(target, ['[1,"x",1]\r']),
    },
    {
      name: 'a manifest nested too deep',
      code: 'E_PACKAGE_MANIFEST',
      message: /nested deeper than 16/,
      bytes: () => rowsPackage(target, ['[1,"x",1]'], (m) => (m.extension = JSON.parse(`${'['.repeat(20)}${']'.repeat(20)}`))),
    },
    {
      name: 'a duplicate key holding a line feed',
      code: 'E_PACKAGE_DUPLICATE_KEY',
      message: /primary key "a\\nb" appears twice/,
      bytes: () =>
        rowsPackage(target, ['["a\\nb","x",1]', '["a\\nb","y",1]'], (_m, t) => {
          t.columns = [
            { name: 'id', type: 'string', nullable: false },
            { name: 'name', type: 'string', nullable: false },
            { name: 'price', type: 'integer', nullable: true },
          ];
        }),
    },
  ];
}
