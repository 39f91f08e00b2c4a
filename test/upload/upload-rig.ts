import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { POS_EXAMPLES } from '../../bench/support/pos-process.js';
import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import { createLogger } from '../../src/observe/logger.js';
import { readPackageBatches, type CellValue, type PackageManifest } from '../../src/package/index.js';
import type { Profile, UploadTable } from '../../src/profile/profile.js';
import type { Cycle } from '../../src/schedule/cycle.js';
import { createUploadCycle } from '../../src/upload/upload-cycle.js';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import type { WorkingFolder } from '../../src/workfolder/working-folder.js';
import { type ChannelEngine, SQLITE } from '../channel/engines.js';
import type { ChannelDatabaseSubject } from '../channel/subject.js';
import { testStoreProfile } from '../support/store-profile.js';
import { TestClock } from '../support/test-clock.js';
import { UPLOAD_RETRY_FIRST_SECONDS, UPLOAD_RETRY_MAX_SECONDS } from '../../src/upload/retry-backoff.js';

export const CHANNEL = 'store-7';

/** The example POS's sales tables (examples/pos/sales-schema.sql): counters indexed, keys declared. */
const SALES_SCHEMA = readFileSync(path.join(POS_EXAMPLES, 'sales-schema.sql'), 'utf8');

const SALES_TABLES: readonly UploadTable[] = [
  { name: 'sale', counterColumn: 'id' },
  { name: 'sale_line', counterColumn: 'replication_counter' },
];

/** One package as HQ sees it in the upload area. */
export interface PublishedPackage {
  readonly fileName: string;
  readonly manifest: PackageManifest;
  readonly sha256: string;
  readonly rows: ReadonlyMap<string, readonly (readonly CellValue[])[]>;
}

/**
 * A store for upload tests, in a temp folder: the channel database (a real SQLite file unless
 * another engine is given) with a POS connection of its own, a local working folder, a profile,
 * and the cycle's log lines.
 */
export class UploadRig {
  readonly clock = new TestClock(new Date('2026-03-02T09:00:00.000Z'));
  readonly logLines: Record<string, unknown>[] = [];
  readonly registry = new Registry();
  tables: readonly UploadTable[] = SALES_TABLES;
  maxRowsPerPackage = 1000;
  retryBackoffSeconds = UPLOAD_RETRY_FIRST_SECONDS;
  private posDb: Database.Database | undefined;

  private constructor(
    readonly root: string,
    /** The channel database and the POS's own connection to it, through portable SQL. */
    readonly subject: ChannelDatabaseSubject,
  ) {}

  static async create(engine: ChannelEngine = SQLITE): Promise<UploadRig> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'async-client-upload-'));
    await mkdir(path.join(root, 'folder'));
    const rig = new UploadRig(root, await engine.open(CHANNEL, root));
    await rig.subject.pos(SALES_SCHEMA);
    return rig;
  }

  get channelDatabase(): ChannelDatabase {
    return this.subject.db;
  }

  /** The SQLite store's database file. */
  get databaseFile(): string {
    const { setting } = this.subject;
    if (typeof setting !== 'string') throw new Error('databaseFile: this store is not on SQLite');
    return setting;
  }

  get folderRoot(): string {
    return path.join(this.root, 'folder');
  }

  get uploadArea(): string {
    return path.join(this.folderRoot, CHANNEL, 'upload');
  }

  /** A POS connection of its own to the SQLite store's database. */
  pos(): Database.Database {
    this.posDb ??= new Database(this.databaseFile, { timeout: 10_000 });
    return this.posDb;
  }

  /** Inserts `count` sales of one line each, as till `till` (the sales first, then their lines); returns the new sale ids. */
  async sell(count: number, till = 'T1'): Promise<number[]> {
    const before = Number((await this.subject.query('SELECT COALESCE(MAX(id), 0) AS top FROM sale'))[0]?.top);
    await this.subject.pos(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO sale (till_id, receipt_no, total, sold_at) SELECT ?, i, '1.50', '2026-03-02T09:00:00.000Z' FROM n`,
      count,
      till,
    );
    await this.subject.pos(
      `INSERT INTO sale_line (sale_id, line_no, item_id, barcode, description, quantity, unit_price, discount,
         amount, vat_rate, sold_at, replication_counter)
       SELECT s.id, 1, 'A-1', NULL, 'item', 1, '1.50', '0.00', '1.50', '7.00', '2026-03-02T09:00:00.000Z',
         (SELECT COALESCE(MAX(replication_counter), 0) FROM sale_line) + ROW_NUMBER() OVER (ORDER BY s.id)
       FROM sale s WHERE s.id > ?`,
      before,
    );
    return (await this.subject.query('SELECT id FROM sale WHERE id > ? ORDER BY id', before)).map((row) => Number(row.id));
  }

  /** As a restored backup leaves it: the next sale takes id `id + 1`, whatever was sold before. */
  async restartSaleIdsAfter(id: number): Promise<void> {
    if (typeof this.subject.setting === 'string') await this.subject.pos("UPDATE sqlite_sequence SET seq = ? WHERE name = 'sale'", id);
    else await this.subject.pos("SELECT setval(pg_get_serial_sequence('sale', 'id'), ?)", id);
  }

  profile(): Profile {
    return testStoreProfile({
      name: 'Upload test',
      root: this.root,
      channelId: CHANNEL,
      database: this.subject.setting,
      folder: this.folderRoot,
      upload: {
        maxRowsPerPackage: this.maxRowsPerPackage,
        retryBackoffSeconds: this.retryBackoffSeconds,
        retryBackoffMaxSeconds: UPLOAD_RETRY_MAX_SECONDS,
        tables: this.tables,
      },
    });
  }

  /**
   * The same store as a profile file, for the CLI and the daemon: uploads every second
   * (`schedule.upload`), no start jitter, logs at `level`.
   */
  async writeProfileFile(level = 'info'): Promise<string> {
    const profile = this.profile();
    const yaml = stringify({
      profile: { name: 'Upload test', downloadIntervalMinutes: 60, uploadIntervalMinutes: 1 },
      schedule: { upload: '* * * * * *' },
      channel: { id: CHANNEL, database: await this.profileDatabase() },
      workingFolder: { adapter: 'local', path: this.folderRoot },
      stateDirectory: profile.stateDirectory,
      log: { level },
      daemon: { shutdownGraceSeconds: 5, startJitterSeconds: 0 },
      upload: { maxRowsPerPackage: this.maxRowsPerPackage, tables: this.tables },
    });
    await writeFile(profile.sourcePath, yaml);
    return profile.sourcePath;
  }

  /** The profile's `channel.database`; PostgreSQL's password goes in a file beside the profile. */
  private async profileDatabase(): Promise<unknown> {
    const { setting } = this.subject;
    if (typeof setting === 'string') return setting;
    const passwordFile = path.join(this.root, 'db-password');
    await writeFile(passwordFile, `${setting.password}\n`);
    const { engine, host, port, database, user } = setting;
    return { engine, host, port, database, user, passwordFile };
  }

  /** A cycle over this store; `folder` replaces the local folder (a fault-injecting wrapper, a read-only mount). */
  cycle(
    folder: WorkingFolder = new LocalWorkingFolder(this.folderRoot),
    channelDatabase = this.channelDatabase,
    registry = this.registry,
  ): Cycle {
    const logger = createLogger('debug', { write: (line: string) => void this.logLines.push(JSON.parse(line) as Record<string, unknown>) });
    return createUploadCycle({
      channelDatabase,
      workingFolder: folder,
      profile: () => this.profile(),
      log: logger,
      registry,
      clock: this.clock,
    });
  }

  /** A second uploader on the same store with a connection of its own, as `upload --once` beside the daemon. */
  async secondUploader(): Promise<{ readonly cycle: Cycle; close(): Promise<void> }> {
    const db = await this.subject.connect();
    return { cycle: this.cycle(new LocalWorkingFolder(this.folderRoot), db, new Registry()), close: () => db.close() };
  }

  events(name: string): Record<string, unknown>[] {
    return this.logLines.filter((line) => line.event === name);
  }

  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = await this.registry.getSingleMetric(name)?.get();
    const matching = metric?.values.filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value)) ?? [];
    return matching.reduce((sum, v) => sum + v.value, 0);
  }

  async reopen(): Promise<void> {
    await this.subject.reopen();
  }

  /** Every package in the upload area, read and verified as HQ would, in file-name order. */
  async published(area = this.uploadArea): Promise<PublishedPackage[]> {
    const names = (await readdir(area).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).sort();
    const packages: PublishedPackage[] = [];
    for (const fileName of names) {
      const rows = new Map<string, CellValue[][]>();
      const scan = readPackageBatches(path.join(area, fileName), {
        expectedChannelId: CHANNEL,
        expectedDirection: 'upload',
        expectedFileName: fileName,
      });
      for (;;) {
        const next = await scan.next();
        if (next.done === true) {
          packages.push({ fileName, manifest: next.value.manifest, sha256: next.value.sha256, rows });
          break;
        }
        const list = rows.get(next.value.table.name) ?? [];
        for (const row of next.value.rows) if (row.op === 'upsert') list.push([...row.values]);
        rows.set(next.value.table.name, list);
      }
    }
    return packages;
  }

  async cleanup(): Promise<void> {
    this.posDb?.close();
    await this.subject.cleanup();
    await rm(this.root, { recursive: true, force: true });
  }
}

/** How many times each key appears across the packages' rows of one table (key = the first `keyColumns` values). */
export function keyCounts(packages: readonly PublishedPackage[], table: string, keyColumns = 1): Map<string, number> {
  const counts = new Map<string, number>();
  for (const pkg of packages) {
    for (const row of pkg.rows.get(table) ?? []) {
      const key = row.slice(0, keyColumns).map(String).join('/');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** Sequences of the packages, in file order, must be 1..n with no gap. */
export function sequences(packages: readonly PublishedPackage[]): number[] {
  return packages.map((p) => p.manifest.sequence);
}
