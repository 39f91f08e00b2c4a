import { createHash } from 'node:crypto';
import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import type { DownloadSession, SeenPackage } from '../../src/channel/download-journal.js';
import {
  type CellValue,
  type ColumnType,
  Decimal,
  type PackageKind,
  type PackageManifest,
  type RowBatch,
  type TableSpec,
} from '../../src/package/types.js';

/** Builders for packages as the package reader hands them over: a manifest and its batches. */

export type ColumnDef = readonly [name: string, type: ColumnType, nullable?: boolean];

export function table(
  name: string,
  columns: readonly ColumnDef[],
  primaryKey: readonly string[],
  counts = { upserts: 0, deletes: 0 },
): TableSpec {
  return {
    name,
    columns: columns.map(([column, type, nullable]) => ({ name: column, type, nullable: nullable ?? true })),
    primaryKey,
    upsertCount: counts.upserts,
    deleteCount: counts.deletes,
  };
}

export function manifest(sequence: number, kind: PackageKind, tables: readonly TableSpec[]): PackageManifest {
  return {
    formatVersion: '1',
    direction: 'download',
    channelId: 'store-1',
    sequence,
    job: { id: '1070', name: 'Products' },
    dataGroup: 'default',
    kind,
    createdAt: '2026-11-27T12:00:00.000Z',
    producer: 'contract test',
    tables,
  };
}

export function upserts(spec: TableSpec, rows: readonly (readonly CellValue[])[]): RowBatch {
  return { table: spec, rows: rows.map((values) => ({ op: 'upsert' as const, values })) };
}

export function deletes(spec: TableSpec, keys: readonly (readonly CellValue[])[]): RowBatch {
  return { table: spec, rows: keys.map((key) => ({ op: 'delete' as const, key })) };
}

export async function* stream(...batches: readonly RowBatch[]): AsyncIterable<RowBatch> {
  for (const batch of batches) {
    await Promise.resolve();
    yield batch;
  }
}

/** A reader that fails after handing over `batches`, as a package removed by HQ mid-read would. */
export async function* failingAfter(error: Error, ...batches: readonly RowBatch[]): AsyncIterable<RowBatch> {
  yield* stream(...batches);
  throw error;
}

function checksumOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** What the download cycle sees of package `sequence` whose file holds `content`. */
export function seenPackage(sequence: number, content = `package ${sequence}`): SeenPackage {
  return {
    sequence,
    jobId: '1070',
    fileName: `store-1-download-${String(sequence).padStart(8, '0')}.pkg`,
    size: content.length,
    checksum: checksumOf(content),
  };
}

/** Records a package as the cycle would on seeing it, and returns its session. */
export function seen(db: ChannelDatabase, sequence: number, content = `package ${sequence}`): Promise<DownloadSession> {
  return db.downloads.record(seenPackage(sequence, content));
}

/** Records and applies a package in one go, for tests whose subject is what comes after. */
export async function applied(db: ChannelDatabase, pkg: PackageManifest, ...batches: readonly RowBatch[]): Promise<DownloadSession> {
  const session = await seen(db, pkg.sequence);
  await db.applyPackage(pkg, stream(...batches), { sessionId: session.id, allowCreateTables: true });
  return session;
}

/** The product table the concurrency and fault tests fill: a key, a name, a price. */
export const PRODUCT = table(
  'product',
  [
    ['id', 'integer', false],
    ['name', 'string'],
    ['price', 'decimal'],
  ],
  ['id'],
);

/** `count` products with ids from 1, named `${name} ${id}`, in batches of `batchSize`. */
export async function* products(count: number, name = 'product', batchSize = 1000): AsyncIterable<RowBatch> {
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    yield upserts(
      PRODUCT,
      Array.from({ length: size }, (_, i) => [start + i + 1, `${name} ${start + i + 1}`, new Decimal(`${i}.95`)]),
    );
  }
}
