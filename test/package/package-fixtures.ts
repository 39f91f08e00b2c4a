import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { encodeTail } from '../../src/package/frame.js';
import { signDigest, toPrivateKey, type KeyInput } from '../../src/package/signature.js';
import { createHash } from 'node:crypto';
import { createPackageWriter, type PackageManifestInput, type PackageWriterOptions } from '../../src/package/writer.js';
import { Decimal, type PackageRow, type TableSpec } from '../../src/package/types.js';

/** A small product table with one column of every type. */
export const productTable: TableSpec = {
  name: 'Product',
  columns: [
    { name: 'id', type: 'string', nullable: false },
    { name: 'quantity', type: 'integer', nullable: false },
    { name: 'price', type: 'decimal', nullable: false },
    { name: 'active', type: 'boolean', nullable: false },
    { name: 'updatedAt', type: 'timestamp', nullable: false },
    { name: 'image', type: 'binary', nullable: true },
    { name: 'note', type: 'string', nullable: true },
  ],
  primaryKey: ['id'],
  upsertCount: 3,
  deleteCount: 1,
};

export const productRows: PackageRow[] = [
  { op: 'upsert', values: ['P1', 1, new Decimal('1.50'), true, new Date(0), new Uint8Array([0, 255]), 'é 😀'] },
  { op: 'upsert', values: ['P2', 9007199254740993n, new Decimal('-0.001'), false, new Date(1_700_000_000_123), null, null] },
  { op: 'upsert', values: ['P3', -5, new Decimal('12'), true, new Date(-86_400_000), new Uint8Array(), 'line\nbreak'] },
  { op: 'delete', key: ['P0'] },
];

export function manifestFor(tables: readonly TableSpec[], overrides: Partial<PackageManifestInput> = {}): PackageManifestInput {
  return {
    direction: 'download',
    channelId: 'store042',
    sequence: 7,
    job: { id: 'N-1000', name: 'Products' },
    dataGroup: 'default',
    kind: 'incremental',
    createdAt: '2026-11-27T10:00:00.000Z',
    producer: 'test',
    tables,
    ...overrides,
  };
}

/** Collects everything written to it. */
export class BufferSink extends Writable {
  private readonly chunks: Buffer[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    callback();
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export async function writePackage(
  manifest: PackageManifestInput,
  rowsByTable: ReadonlyMap<string, readonly PackageRow[]>,
  options: PackageWriterOptions = {},
): Promise<Buffer> {
  const sink = new BufferSink();
  const writer = createPackageWriter(manifest, sink, options);
  for (const [table, rows] of rowsByTable) await writer.writeRows(table, rows);
  await writer.end();
  return sink.bytes;
}

function sampleManifest(): PackageManifestInput {
  return manifestFor([productTable]);
}

export function writeSample(options: PackageWriterOptions = {}): Promise<Buffer> {
  return writePackage(sampleManifest(), new Map([['Product', productRows]]), options);
}

/**
 * Frames arbitrary content lines exactly as a writer would (valid gzip, digest, trailer), so
 * tests can reach the content checks behind the integrity checks with malformed content.
 */
export function frameContent(lines: readonly string[], signingKey?: KeyInput): Buffer {
  const body = gzipSync(Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8'));
  const sha256 = createHash('sha256').update(body).digest('hex');
  const signature = signingKey === undefined ? undefined : signDigest(sha256, toPrivateKey(signingKey));
  return Buffer.concat([body, encodeTail(signature === undefined ? { sha256 } : { sha256, signature })]);
}

/** The content lines of a valid sample package, to edit one thing at a time. */
export function sampleLines(): string[] {
  const manifest = { format: 'async-client-package', formatVersion: '1.0', ...sampleManifest() };
  return [
    JSON.stringify(manifest),
    '{"table":"Product"}',
    '["P1",1,"1.50",true,0,"AP8=","é"]',
    '["P2","9007199254740993","-0.001",false,1700000000123,null,null]',
    '["P3",-5,"12",true,-86400000,"",null]',
    '{"delete":["P0"]}',
  ];
}
