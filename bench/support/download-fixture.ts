/**
 * The download bench's fixture: a product table of ROWS rows, packages of its rows (incremental, full, both
 * LARGER times larger, and a backlog of BACKLOG small ones) and the same rows as CSV, in the phase's scratch
 * directory.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { toSqlite } from '../../src/channel/sqlite-values.js';
import { createPackageWriter, Decimal, packageFileName, type PackageRow, type TableSpec } from '../../src/package/index.js';
import { channelFolders } from '../../src/workfolder/layout.js';
import { scratchDirectory } from './phases.js';
import { copySynced } from './synced-copy.js';

export const ROWS = Number(process.env.BENCH_DOWNLOAD_ROWS ?? 1_000_000);
export const BACKLOG = Number(process.env.BENCH_DOWNLOAD_BACKLOG ?? 10_000);
/** A full package this many times larger shows whether memory grows with a package's size. */
export const LARGER = Number(process.env.BENCH_DOWNLOAD_LARGER ?? 5);
export const BACKLOG_ROWS = 10;
export const CHANNEL = 'bench';
const FOLDERS = channelFolders(CHANNEL);

const COLUMNS: TableSpec['columns'] = [
  { name: 'id', type: 'integer', nullable: false },
  { name: 'name', type: 'string', nullable: false },
  { name: 'category', type: 'string', nullable: false },
  { name: 'price', type: 'decimal', nullable: false },
  { name: 'stock', type: 'integer', nullable: false },
  { name: 'active', type: 'boolean', nullable: false },
  { name: 'updated_at', type: 'timestamp', nullable: false },
];
export const CREATE_PRODUCT =
  'CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, price TEXT NOT NULL, stock INTEGER NOT NULL, active INTEGER NOT NULL, updated_at TEXT NOT NULL)';
export const UPSERT = `INSERT INTO product (id, name, category, price, stock, active, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET name = excluded.name, category = excluded.category, price = excluded.price,
  stock = excluded.stock, active = excluded.active, updated_at = excluded.updated_at`;
const CATEGORIES = ['Beverages', 'Bakery', 'Dairy', 'Produce', 'Frozen', 'Household', 'Snacks', 'Personal care'];

/** Version `v` of product `id`: the table holds v0 of ids 1..ROWS; the package brings v1 of ids ROWS/2+1..ROWS*3/2. */
function productValues(id: number, v: number): PackageRow & { op: 'upsert' } {
  const cents = 99 + ((id * 7919 + v) % 250_000);
  return {
    op: 'upsert',
    values: [
      id,
      `Product ${id} v${v}`,
      CATEGORIES[id % CATEGORIES.length] as string,
      new Decimal(`${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`),
      (id * 31 + v) % 5000,
      id % 17 !== 0,
      new Date(1_767_225_600_000 + id * 60_000 + v),
    ],
  };
}

export function* packageRows(rows = ROWS): Generator<PackageRow & { op: 'upsert' }> {
  for (let id = ROWS / 2 + 1; id <= ROWS / 2 + rows; id += 1) yield productValues(id, 1);
}

export function paths() {
  const dir = scratchDirectory();
  return {
    seedDatabase: join(dir, 'seed.sqlite'),
    database: join(dir, 'channel.sqlite'),
    largeFolder: join(dir, 'large-folder'),
    fullFolder: join(dir, 'full-folder'),
    largerFolder: join(dir, 'larger-folder'),
    largerIncrementalFolder: join(dir, 'larger-incremental-folder'),
    csv: join(dir, 'rows.csv'),
    importDatabase: join(dir, 'import.sqlite'),
    backlogFolder: join(dir, 'backlog-folder'),
    state: join(dir, 'state'),
  };
}

async function writePackage(
  folder: string,
  sequence: number,
  rows: Iterable<PackageRow>,
  upsertCount: number,
  kind: 'full' | 'incremental' = 'incremental',
): Promise<void> {
  const manifest = {
    direction: 'download' as const,
    channelId: CHANNEL,
    sequence,
    job: { id: 'N-1000', name: 'Products' },
    dataGroup: 'default',
    kind,
    createdAt: '2026-01-01T00:00:00.000Z',
    producer: 'bench/download.bench.ts',
    tables: [{ name: 'product', columns: COLUMNS, primaryKey: ['id'], upsertCount, deleteCount: 0 }],
  };
  const writer = createPackageWriter(manifest, createWriteStream(join(folder, FOLDERS.download, packageFileName(manifest))));
  await writer.writeRows('product', rows);
  await writer.end();
}

/** A fresh copy of the 1,000,000-row table for each phase that changes it. */
export function freshDatabase(): void {
  const { seedDatabase, database } = paths();
  rmSync(database, { force: true });
  rmSync(`${database}-wal`, { force: true });
  rmSync(`${database}-shm`, { force: true });
  copySynced(seedDatabase, database);
}

/** The package's rows as the sqlite3 shell imports them: CSV, values as the channel database stores them. */
function writeCsv(file: string): void {
  const out: string[] = [];
  for (const row of packageRows()) {
    out.push(
      row.values
        .map(toSqlite)
        .map((value) => (typeof value === 'string' ? `"${value.replaceAll('"', '""')}"` : String(value)))
        .join(','),
    );
  }
  writeFileSync(file, `${out.join('\n')}\n`);
}

/** Puts an applied package back into the download area, as it was before the cycle ran. */
export function restoreFolder(folder: string): void {
  const name = packageFileName({ channelId: CHANNEL, direction: 'download', sequence: 1 });
  renameSync(join(folder, FOLDERS.applied, name), join(folder, FOLDERS.download, name));
  rmSync(join(folder, FOLDERS.status), { recursive: true, force: true });
}

/** The 1,000,000-row table, the four large packages, the CSV of the .import baseline and the backlog. */
export async function prepareFixture(): Promise<void> {
  const { seedDatabase, largeFolder, fullFolder, largerFolder, largerIncrementalFolder, backlogFolder } = paths();
  const seed = new Database(seedDatabase);
  seed.pragma('journal_mode = WAL');
  seed.exec(CREATE_PRODUCT);
  const insert = seed.prepare(UPSERT);
  seed.transaction(() => {
    for (let id = 1; id <= ROWS; id += 1) insert.run(productValues(id, 0).values.map(toSqlite));
  })();
  seed.pragma('wal_checkpoint(TRUNCATE)');
  seed.close();
  mkdirSync(join(largeFolder, FOLDERS.download), { recursive: true });
  await writePackage(largeFolder, 1, packageRows(), ROWS);
  mkdirSync(join(fullFolder, FOLDERS.download), { recursive: true });
  await writePackage(fullFolder, 1, packageRows(), ROWS, 'full');
  mkdirSync(join(largerFolder, FOLDERS.download), { recursive: true });
  await writePackage(largerFolder, 1, packageRows(ROWS * LARGER), ROWS * LARGER, 'full');
  mkdirSync(join(largerIncrementalFolder, FOLDERS.download), { recursive: true });
  await writePackage(largerIncrementalFolder, 1, packageRows(ROWS * LARGER), ROWS * LARGER);
  writeCsv(paths().csv);
  mkdirSync(join(backlogFolder, FOLDERS.download), { recursive: true });
  for (let sequence = 1; sequence <= BACKLOG; sequence += 1) {
    const first = (sequence - 1) * BACKLOG_ROWS + 1;
    const rows = Array.from({ length: BACKLOG_ROWS }, (_, i) => productValues(first + i, sequence));
    await writePackage(backlogFolder, sequence, rows, BACKLOG_ROWS);
  }
  // Some 300 MB of fixture files are still dirty here: flushed now, not by the first commits measured.
  execFileSync('sync');
}
