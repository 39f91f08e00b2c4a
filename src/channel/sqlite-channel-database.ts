import { randomUUID } from 'node:crypto';
import { statfs, stat, unlink, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AsyncClientError, errorMessage } from '../errors.js';
import { loadOnFirstUse } from '../load-on-first-use.js';
import type { PackageManifest, RowBatch } from '../package/types.js';
import type { DownloadSession, SeenPackage } from './download-journal.js';
import type { AppliedCounts, ApplyOptions, ApplyPolicy, ChannelDatabase, DatabaseDescription } from './channel-database.js';
import type { ApplyTarget } from './sqlite-apply.js';
import { SqliteConnection } from './sqlite-connection.js';
import { SqliteDownloadJournal } from './sqlite-download-journal.js';
import { translateSqliteError } from './sqlite-errors.js';
import { migrate, readSchemaVersion } from './sqlite-migrations.js';
import { sweepStagingFiles } from './sqlite-staging-file.js';
import { SqliteUploadStore } from './sqlite-upload-store.js';

export interface SqliteChannelDatabaseOptions {
  /** The channel whose sessions this connection journals. */
  readonly channelId: string;
  /** How long to wait for another writer (the POS) before E_DATABASE_BUSY; default 5000. */
  readonly busyTimeoutMs?: number;
  /** Open for reading only (status commands); every write then fails with E_DATABASE_READONLY. */
  readonly readonly?: boolean;
  /** `check()` fails below this much free space on the database's disk; default 64 MiB. */
  readonly minFreeBytes?: number;
  /** The journal's clock; default the system clock. */
  readonly now?: () => Date;
  /**
   * Write a large full package's new tables on a thread of their own while this one reads the
   * package (sqlite-writer-thread.ts). Default: where the machine has more than one core; with one,
   * the two threads would only take turns, and this thread writes them too.
   */
  readonly writerThread?: boolean;
}

/** The apply's modules (staging, shadow tables, the writer thread) load with the first package. */
const loadApply = loadOnFirstUse(() => import('./sqlite-apply.js'));

const DEFAULT_BUSY_TIMEOUT_MS = 5000;
const DEFAULT_MIN_FREE_BYTES = 64 * 1024 * 1024;

/**
 * Opens a SQLite channel database for the daemon: WAL so the POS reads while we write,
 * `synchronous=FULL` because a commit we report (Applied, a moved watermark) must survive
 * a power cut (with NORMAL the last commits may vanish, and a re-planned upload could then
 * publish a sequence twice with different rows), foreign keys on, and a busy timeout.
 * The database's folder must exist (`E_DATABASE_FOLDER_MISSING`); the file is created if absent.
 */
export async function openSqliteChannelDatabase(file: string, options: SqliteChannelDatabaseOptions): Promise<ChannelDatabase> {
  const location = path.resolve(file);
  const folder = path.dirname(location);
  const folderStat = await stat(folder).catch(() => null);
  if (folderStat === null || !folderStat.isDirectory()) {
    throw new AsyncClientError(
      'E_DATABASE_FOLDER_MISSING',
      `the channel database's folder ${folder} does not exist: create it or fix the database path in the profile`,
      { location, folder },
    );
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const readonly = options.readonly ?? false;
  if (!readonly) {
    await assertFolderWritable(location);
    // What a killed apply staged is of no use to anyone: its disk space comes back before the first cycle.
    sweepStagingFiles(location);
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(location, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs });
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      // A package's rows are written once, in key order, to a new or staged table, and merged in
      // key order: SQLite's own default of 2 MB serves that as well as better-sqlite3's 16 MB,
      // which only added to a package apply's peak memory (docs/benchmarks.md, issue 10).
      db.pragma('main.cache_size = -2048');
      db.pragma('temp.cache_size = -2048');
    }
    db.pragma('foreign_keys = ON');
    return new SqliteChannelDatabase(db, location, busyTimeoutMs, options);
  } catch (error) {
    db?.close();
    throw translateSqliteError(error, location, 'opening the channel database');
  }
}

/** SQLite writes its -wal and -shm files beside the database: the folder itself must take a file. */
async function assertFolderWritable(location: string): Promise<void> {
  const folder = path.dirname(location);
  const probe = path.join(folder, `.async-client-probe-${randomUUID()}`);
  try {
    await writeFile(probe, '');
    await unlink(probe);
  } catch (error) {
    throw new AsyncClientError(
      'E_DATABASE_READONLY',
      `the channel database's folder ${folder} is not writable (${errorMessage(error)}): SQLite writes its -wal and -shm files there; fix permissions or the mount`,
      { location, folder },
      { cause: error },
    );
  }
}

class SqliteChannelDatabase implements ChannelDatabase {
  private readonly conn: SqliteConnection;
  readonly downloads: SqliteDownloadJournal;
  readonly uploads: SqliteUploadStore;

  constructor(
    db: Database.Database,
    private readonly location: string,
    private readonly busyTimeoutMs: number,
    private readonly options: SqliteChannelDatabaseOptions,
  ) {
    this.conn = new SqliteConnection(
      db,
      location,
      options.channelId,
      options.now ?? (() => new Date()),
      options.writerThread ?? availableParallelism() > 1,
    );
    this.downloads = new SqliteDownloadJournal(this.conn);
    this.uploads = new SqliteUploadStore(this.conn, () => new Database(location, { readonly: true, timeout: busyTimeoutMs }));
  }

  migrate(): Promise<number> {
    return this.conn.exclusive('migrating the journal', () => migrate(this.conn.db, this.location));
  }

  async check(): Promise<void> {
    if (this.conn.db.readonly) {
      throw new AsyncClientError(
        'E_DATABASE_READONLY',
        `the channel database ${this.location} is open read-only; the daemon needs to write to it`,
        { location: this.location },
      );
    }
    await assertFolderWritable(this.location);
    await this.conn.exclusive('checking that the channel database is writable', () => {
      this.conn.db.exec('BEGIN IMMEDIATE');
      this.conn.db.exec('ROLLBACK');
    });
    const folder = path.dirname(this.location);
    const { bavail, bsize } = await statfs(folder);
    const free = bavail * bsize;
    const needed = this.options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES;
    if (free < needed) {
      throw new AsyncClientError(
        'E_DATABASE_DISK_LOW',
        `only ${free} bytes are free on the disk of ${this.location}, below the ${needed} required; free space before packages fail with E_DATABASE_FULL`,
        { location: this.location, free, needed },
      );
    }
  }

  describe(): DatabaseDescription {
    const { db } = this.conn;
    return {
      engine: 'sqlite',
      location: this.location,
      readonly: db.readonly,
      schemaVersion: readSchemaVersion(db),
      settings: {
        journalMode: String(db.pragma('journal_mode', { simple: true })),
        synchronous: this.conn.flushedLevel,
        busyTimeoutMs: this.busyTimeoutMs,
        sqliteVersion: String(db.prepare('SELECT sqlite_version()').pluck().get()),
      },
    };
  }

  async applyPackage(manifest: PackageManifest, batches: AsyncIterable<RowBatch>, options: ApplyOptions): Promise<AppliedCounts> {
    return (await this.apply(options.sessionId, manifest, batches, options)).rowsAffected;
  }

  recordAndApply(
    pkg: SeenPackage,
    manifest: PackageManifest,
    batches: AsyncIterable<RowBatch>,
    policy: ApplyPolicy,
  ): Promise<DownloadSession> {
    return this.apply(pkg, manifest, batches, policy);
  }

  private apply(
    target: ApplyTarget,
    manifest: PackageManifest,
    batches: AsyncIterable<RowBatch>,
    policy: ApplyPolicy,
  ): Promise<DownloadSession> {
    // A small package joins the open commit group; a larger one commits it first (sqlite-apply.ts).
    return this.conn.exclusiveInGroup(`applying package ${manifest.sequence}`, async () =>
      (await loadApply()).applyPackage(this.conn, this.downloads, manifest, batches, target, policy),
    );
  }

  flush(): Promise<void> {
    return this.conn.flush();
  }

  async close(): Promise<void> {
    await this.uploads.close();
    await this.conn.close();
  }
}
