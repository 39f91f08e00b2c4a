import type { PackageManifest, RowBatch } from '../package/types.js';
import type { DownloadJournal, DownloadSession, SeenPackage } from './download-journal.js';
import type { UploadStore } from './upload-journal.js';

/** Package rows that changed a database row, per table. */
export type AppliedCounts = Readonly<Record<string, number>>;

/** What an apply may do beyond writing rows. */
export interface ApplyPolicy {
  /** A `full` package may create a table the database lacks, from its manifest. */
  readonly allowCreateTables: boolean;
  /**
   * More packages are applied right after this one (a backlog): a small package's commit may be
   * shared with theirs, its rows seen by other connections when they are committed together, at
   * the latest when the thread next waits, or at `flush`. Without it, the commit is made before the apply returns.
   */
  readonly followed?: boolean;
}

export interface ApplyOptions extends ApplyPolicy {
  /** The download session this package belongs to; it becomes Applied with the rows. */
  readonly sessionId: number;
}

export interface DatabaseDescription {
  /** `sqlite`, later `postgres`. */
  readonly engine: string;
  /** File path or connection target, without secrets. */
  readonly location: string;
  readonly readonly: boolean;
  /** Journal schema version; null before `migrate`. */
  readonly schemaVersion: number | null;
  /** Engine settings worth showing an operator (journal mode, busy timeout...). */
  readonly settings: Readonly<Record<string, string | number>>;
}

/**
 * The store's channel database as the cycles see it: apply a package in one transaction,
 * read rows past a watermark, keep the session journal. No SQL dialect crosses this line.
 *
 * Errors: `E_DATABASE_BUSY` (another writer held the database past the busy timeout),
 * `E_DATABASE_FULL` (disk full), `E_DATABASE_READONLY`, `E_DATABASE_CONSTRAINT`,
 * `E_DATABASE` (anything else the engine reports), schema errors named below.
 * A failed call has written nothing.
 */
export interface ChannelDatabase {
  /** Creates or upgrades the journal tables; `E_DATABASE_SCHEMA_NEWER` for a database from a newer build. */
  migrate(): Promise<number>;
  /** Start-up preflight: the database and its folder are writable, and the disk has room. */
  check(): Promise<void>;
  describe(): DatabaseDescription;
  /** Waits for work in flight, then closes. */
  close(): Promise<void>;
  /**
   * Applies a package's rows and marks its session Applied, in one transaction.
   * `incremental` upserts and deletes by primary key; `full` empties the listed tables first.
   * Before the first write, every table and column must exist with a compatible type:
   * `E_SCHEMA_TABLE_MISSING`, `E_SCHEMA_COLUMN_MISSING`, `E_SCHEMA_COLUMN_TYPE`,
   * `E_SCHEMA_COLUMN_REQUIRED`, `E_SCHEMA_KEY_MISMATCH`; a reserved table name (`async_client_*`,
   * `sqlite_*`, `pg_*`, `information_schema`, any case) is refused with `E_SCHEMA_TABLE_RESERVED` (reserved-tables.ts). Any throw, from the database or from
   * `batches`, rolls everything back.
   */
  applyPackage(manifest: PackageManifest, batches: AsyncIterable<RowBatch>, options: ApplyOptions): Promise<AppliedCounts>;
  /**
   * `downloads.recordDownloaded(pkg)`, then `applyPackage` on its session: returns the session,
   * Applied. A package applied in one transaction is recorded in that transaction, so that a
   * backlog of small packages commits once per package; a larger one is recorded first, so that
   * its session shows Downloaded while its rows are staged. When this throws, the record may or
   * may not have been made: `downloads.recordDownloaded(pkg)` then returns the session either way.
   */
  recordAndApply(
    pkg: SeenPackage,
    manifest: PackageManifest,
    batches: AsyncIterable<RowBatch>,
    policy: ApplyPolicy,
  ): Promise<DownloadSession>;
  /**
   * Commits what is still open (packages applied `followed`), then waits until every commit so
   * far would survive a power cut. `applyPackage` may return before its commit is flushed to disk
   * (so that a backlog of small packages shares one flush); the
   * caller tells nobody outside (HQ's report, the move to `applied/`) of an Applied package
   * before this resolves. A power cut before it undoes those packages whole: rows and Applied
   * record together, so they are applied again, once.
   */
  flush(): Promise<void>;
  readonly downloads: DownloadJournal;
  readonly uploads: UploadStore;
}
