import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import {
  createPackageWriter,
  packageFileName,
  type PackageManifestInput,
  type PackageRow,
  type PackageWriterOptions,
  type TableSpec,
} from '../../src/package/index.js';
/** The store's channel, which HQ packs for. */
export const CHANNEL = 'store-7';

/** The HQ product table the tests publish: a key, a name and a price. */
export function productTable(upsertCount: number, deleteCount = 0): TableSpec {
  return {
    name: 'product',
    columns: [
      { name: 'id', type: 'integer', nullable: false },
      { name: 'name', type: 'string', nullable: false },
      { name: 'price', type: 'integer', nullable: true },
    ],
    primaryKey: ['id'],
    upsertCount,
    deleteCount,
  };
}

export type Product = readonly [id: number, name: string, price: number | null];

export interface PublishOptions {
  readonly kind?: 'full' | 'incremental';
  readonly deletes?: readonly number[];
  readonly channelId?: string;
  readonly writer?: PackageWriterOptions;
  /** Where to write the file; default the download area under its proper name. */
  readonly fileName?: string;
  readonly tables?: readonly TableSpec[];
  readonly rows?: ReadonlyMap<string, readonly PackageRow[]>;
}

/** Writes HQ's package of `products` into `downloadArea` (atomically: temp name, then rename); returns its path. */
export async function publishProducts(
  downloadArea: string,
  sequence: number,
  products: readonly Product[],
  options: PublishOptions = {},
): Promise<string> {
  const deletes = options.deletes ?? [];
  const channelId = options.channelId ?? CHANNEL;
  const tables = options.tables ?? [productTable(products.length, deletes.length)];
  const manifest: PackageManifestInput = {
    direction: 'download',
    channelId,
    sequence,
    job: { id: 'N-1000', name: 'Products' },
    dataGroup: 'default',
    kind: options.kind ?? 'incremental',
    createdAt: '2026-11-27T12:00:00.000Z',
    producer: 'download test',
    tables,
  };
  const name = options.fileName ?? packageFileName(manifest);
  const target = path.join(downloadArea, name);
  const temporary = path.join(path.dirname(target), `.${name}.writing`);
  const writer = createPackageWriter(manifest, createWriteStream(temporary), options.writer ?? {});
  const rows =
    options.rows ??
    new Map<string, PackageRow[]>([
      [
        'product',
        [
          ...products.map((values): PackageRow => ({ op: 'upsert', values })),
          ...deletes.map((id): PackageRow => ({ op: 'delete', key: [id] })),
        ],
      ],
    ]);
  for (const [table, tableRows] of rows) await writer.writeRows(table, tableRows);
  await writer.end();
  await rename(temporary, target);
  return target;
}
