import type { AsyncClientError } from '../errors.js';
import type { EncodedRows } from '../package/encoded-rows.js';
import type { ColumnSpec, RowBatch, TableSpec } from '../package/types.js';
import type { SessionFailure, SessionListFilter } from './download-journal.js';
import type { UploadStatus } from './session-status.js';

/** One uploaded table, as the profile configures it. */
export interface UploadTableConfig {
  readonly table: string;
  /** An integer column that only grows for new or changed rows; `rowid` serves for an append-only table. */
  readonly counterColumn: string;
  /** Optional row filter, a boolean expression in the database's SQL, written by the operator. */
  readonly filter?: string;
}

/** Counter values before any row: the watermark of a table never uploaded. */
export const NO_WATERMARK = -(2n ** 63n);

/** The rows of one table that one upload package carries: counter in (fromExclusive, toInclusive]. */
export interface CounterRange {
  readonly table: string;
  readonly fromExclusive: bigint;
  readonly toInclusive: bigint;
  /** Rows in the range when it was planned. */
  readonly rows: number;
}

export interface UploadPlan {
  /** Tables with rows to publish, in configuration order; empty when there is nothing new. */
  readonly ranges: readonly CounterRange[];
  readonly rows: number;
  /** Tables left out of this plan, with the reason (`E_UPLOAD_COUNTER_BACKWARDS`); the others go on. */
  readonly paused: readonly { readonly table: string; readonly error: AsyncClientError }[];
}

/** What the start-up check learned of an upload table. */
export interface UploadTableDescription {
  readonly table: string;
  readonly counterColumn: string;
  readonly columns: readonly ColumnSpec[];
  readonly primaryKey: readonly string[];
}

/** Our record of one upload package. */
export interface UploadSession {
  readonly id: number;
  readonly channelId: string;
  readonly sequence: number;
  readonly status: UploadStatus;
  readonly ranges: readonly CounterRange[];
  readonly rows: number;
  readonly fileName: string | null;
  readonly size: number | null;
  readonly checksum: string | null;
  readonly tries: number;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly nextTryAt: Date | null;
  readonly startedAt: Date;
  readonly availableAt: Date | null;
  readonly uploadedAt: Date | null;
  readonly failedAt: Date | null;
  readonly updatedAt: Date;
}

export interface BuiltPackage {
  readonly fileName: string;
  readonly size: number;
  /** SHA-256 of the package file, lowercase hex. */
  readonly checksum: string;
}

/**
 * Reads inside one read transaction: every call sees the database as it was when the
 * snapshot began, whatever the POS writes meanwhile. Valid only inside `UploadStore.snapshot`.
 */
export interface UploadSnapshot {
  /**
   * Per table, the rows past its watermark, at most `maxRows` in all (tables in the given
   * order). A range ends on a counter value, so rows sharing the last value all go in.
   */
  plan(tables: readonly UploadTableConfig[], maxRows: number): Promise<UploadPlan>;
  /** The package schema of a range: the table's columns, `upsertCount` = its rows now. */
  tableSpec(config: UploadTableConfig, range: CounterRange): Promise<TableSpec>;
  /** The range's rows in counter order, as upsert batches of at most `batchSize` rows. */
  rows(spec: TableSpec, config: UploadTableConfig, range: CounterRange, batchSize?: number): AsyncIterable<RowBatch>;
  /**
   * Where the database can write the package's lines itself: the same rows as `rows`, already
   * encoded, byte for byte what the package writer would make of them. Null, or absent, and `rows` serves.
   */
  encodedRows?(spec: TableSpec, config: UploadTableConfig, range: CounterRange): Promise<AsyncIterable<EncodedRows> | null>;
}

/**
 * The upload half of the journal, with the watermarks. The intent (sequence and ranges)
 * is recorded before the package is built, so a crash re-publishes the same sequence
 * with the same ranges; watermarks move only in `complete`, with the Uploaded record.
 */
export interface UploadStore {
  /**
   * Start-up check of one configured table: `E_UPLOAD_TABLE_MISSING`,
   * `E_UPLOAD_COUNTER_MISSING`, `E_UPLOAD_COUNTER_TYPE`, `E_UPLOAD_COUNTER_NOT_INDEXED`.
   */
  describeTable(config: UploadTableConfig): Promise<UploadTableDescription>;
  /** Runs `work` inside one read snapshot, which ends when `work` settles. */
  snapshot<T>(work: (snapshot: UploadSnapshot) => Promise<T>): Promise<T>;
  /** Highest published counter per table; a table never uploaded is absent (NO_WATERMARK). */
  watermarks(): Promise<ReadonlyMap<string, bigint>>;
  /** Operator action after `E_UPLOAD_COUNTER_BACKWARDS` (a restored backup): where to go on from. */
  setWatermark(table: string, counter: bigint): Promise<void>;
  /** Records Started with the next sequence; `E_UPLOAD_INTENT_PENDING` while another is unfinished. */
  recordIntent(ranges: readonly CounterRange[]): Promise<UploadSession>;
  /** The unfinished session a restart must publish again before planning anything new. */
  pendingIntent(): Promise<UploadSession | null>;
  /** The package is built (staged locally) but not yet published. */
  markAvailable(id: number, pkg: BuiltPackage): Promise<UploadSession>;
  markFailed(id: number, failure: SessionFailure, nextTryAt: Date | null): Promise<UploadSession>;
  /**
   * The package is durably in the working folder: in one transaction, advance each range's
   * watermark (`E_UPLOAD_WATERMARK_MOVED` if it is no longer the range's start) and mark Uploaded.
   */
  complete(id: number, pkg: BuiltPackage): Promise<UploadSession>;
  find(id: number): Promise<UploadSession | null>;
  findBySequence(sequence: number): Promise<UploadSession | null>;
  /**
   * Journal retention: removes up to `limit` Uploaded sessions (with their ranges) last changed
   * before `olderThan`, oldest first, never the highest sequence (which numbers the next).
   * Returns how many went; one short transaction.
   */
  prune(olderThan: Date, limit: number): Promise<number>;
  list(filter?: SessionListFilter<UploadStatus>): Promise<UploadSession[]>;
}
