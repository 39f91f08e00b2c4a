import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import { AsyncClientError } from '../errors.js';
import { BoundRowsBuilder, type BoundRows } from './sqlite-bound-rows.js';
import type { CellValue, TableSpec } from '../package/types.js';
import type { ScannedRow } from '../package/upsert-taker.js';
import { type Binder, copySql, ROWS_PER_STATEMENT, type RowTarget, rowWidth, untypedTableSql } from './sqlite-row-writer.js';
import { failureOf, statementsFor, type TargetStatements, type WorkerReply } from './sqlite-writer-thread-protocol.js';
import { STAGING_PRAGMAS, STAGING_SCHEMA, type StagingFile } from './sqlite-staging-file.js';
import { WORKER_SCRIPT } from './sqlite-writer-thread-script.js';

/**
 * Transactions sent and not yet committed: enough that neither thread waits for the other's slower
 * moments (a collection on the reader's side, a checkpoint on the worker's). Measured against 4
 * (docs/benchmarks.md, issue 10, twenty-fourth round): faster in 19 of 22 rounds, by most in a
 * slow spell, for 1 to 2 MB of shared buffers; 16 took peak RSS over 100 MB at 5,000,000 rows.
 */
export const IN_FLIGHT = 8;
/**
 * Shared memory the transactions in flight may hold: rows of megabytes (a picture as text) keep
 * fewer in flight, and fewer builders are made. Rows of 8 MB took the apply's peak up by 197 MB
 * with four in flight, 228 MB with eight, 181 and 190 MB with eight under this bound.
 */
const SHARED_BYTES_IN_FLIGHT = 32 * 1024 * 1024;
/**
 * After each transaction the worker leaves the write lock free for this share of the time it held
 * it, so that a POS write waiting in SQLite's busy handler finds it free at one of its retries.
 * Measured (docs/benchmarks.md, issue 10, fifteenth round): back to back, the POS waited up to
 * 433 ms; at 0.3, up to 430 ms; at 0.6, 50 to 104 ms, less than with the main thread writing.
 */
const LOCK_FREE_SHARE = 0.6;
/**
 * When the transactions in flight are full, this thread would wait for the worker: it copies the
 * WAL into the database then (a PASSIVE checkpoint on its own connection), once the worker has
 * answered for this many since its last, so that the checkpoint's copies and fsyncs are not the
 * worker's time. Measured (docs/benchmarks.md, issue 10, twenty-fifth round): against the worker
 * checkpointing every 16th transaction itself, faster in 11 of 12 rounds (medians 1.85 against
 * 1.94 s); a checkpointing thread of its own was as fast, for 7 MB more.
 */
export const ANSWERS_PER_CHECKPOINT_HERE = 16;
/**
 * The worker checkpoints itself after this many transactions: the WAL starts over only when a
 * transaction begins with all of it copied, which a checkpoint run while the worker appends never
 * leaves. This bounds the WAL to about as many transactions (some 10 MB for the bench's rows).
 */
export const COMMITS_PER_CHECKPOINT = 64;

/**
 * Writes a large package's shadow tables and staging tables on a thread of its own, with a
 * connection of its own, while the main thread reads the package: the rows go over already bound
 * (sqlite-bound-rows.ts), in transactions of the caller's size, a few in flight, and the worker
 * holds the write lock only to copy a shadow's rows from a stage of its own (a staging file's
 * tables it writes straight, without the lock). The worker's connection checkpoints the WAL
 * itself, while it leaves the lock free. A worker that cannot start leaves the writing to the
 * main thread.
 */
export class WriterThread {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private readonly changes: number[] = [];
  /** Per target, whether its rows bind their package row number first (RowTarget.numbered). */
  private readonly numbered: boolean[] = [];
  private readonly waiting: ((reply: WorkerReply | Error) => void)[] = [];
  /** Each transaction in flight, with the builder whose buffers the worker reads until it answers. */
  private pending: { readonly reply: Promise<WorkerReply | Error>; readonly builder: BoundRowsBuilder }[] = [];
  /** Builders the worker has answered for, to be written again. */
  private readonly idle: BoundRowsBuilder[] = [];
  private filling: BoundRowsBuilder | null = null;
  private inFlight = 0;
  private stopped = false;
  private failure: Error | null = null;

  /** Transactions answered for since this thread's last checkpoint. */
  private answeredSinceCheckpoint = 0;

  private constructor(
    private readonly db: Database,
    location: string,
    staging: StagingFile | null,
  ) {
    this.worker = new Worker(WORKER_SCRIPT, {
      eval: true,
      // Not the process's flags: under `--input-type=module` the script would be read as a module, without `require`.
      execArgv: [],
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        location,
        timeout: Number(db.pragma('busy_timeout', { simple: true })),
        cacheSize: Number(db.pragma('main.cache_size', { simple: true })),
        group: ROWS_PER_STATEMENT,
        lockFreeShare: LOCK_FREE_SHARE,
        commitsPerCheckpoint: COMMITS_PER_CHECKPOINT,
        staging: staging === null ? null : { file: staging.file, schema: STAGING_SCHEMA, pragmas: STAGING_PRAGMAS },
      },
      // A young generation as small as the daemon's (src/daemon/node-start.ts); the old one unbounded, as a transaction's values are.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    this.worker.on('message', (reply: WorkerReply) => this.waiting.shift()?.(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        this.fail(new Error('the writer thread exited'));
        resolve();
      }),
    );
  }

  /** A writer thread for the database at `location` (and `staging` attached), once its connection is open; null when none could start. */
  static async start(db: Database, location: string, staging: StagingFile | null = null): Promise<WriterThread | null> {
    let thread: WriterThread;
    try {
      thread = new WriterThread(db, location, staging);
    } catch {
      return null;
    }
    const ready = await new Promise<WorkerReply | Error>((resolve) => thread.waiting.push(resolve));
    if (!(ready instanceof Error)) return thread;
    await thread.stop();
    return null;
  }

  /**
   * Registers `into`, a table of the channel database written with `spec`'s columns, its rows
   * staged first and copied under the write lock; returns its target number.
   */
  target(spec: TableSpec, into: RowTarget): number {
    // The worker's own temporary table, where the rows wait for the lock (sqlite-writer-thread-script.ts).
    const stage: RowTarget = { into: `temp.writer_stage_${this.changes.length}`, numbered: into.numbered, conflict: '', deleteSql: null };
    const staged = statementsFor(spec, stage);
    return this.register(spec, into, {
      create: untypedTableSql(spec, into, stage.into),
      staged,
      copy: copySql(spec, into, stage.into),
      clear: `DELETE FROM ${stage.into}`,
    });
  }

  /** Registers `into`, a table of the staging file the thread was started with, written as its rows come; returns its target number. */
  stagingTarget(spec: TableSpec, into: RowTarget): number {
    return this.register(spec, into, { create: null, staged: null, copy: null, clear: null });
  }

  /** Adds a row's values, bound here, to the next transaction: `row` is its number among the table's package rows. */
  append(target: number, values: readonly CellValue[], binders: readonly Binder[], row: number): void {
    this.builder().append(target, values, binders, row, this.numbered[target] as boolean);
  }

  /** The same for a row scanned from its line, which the binders would bind as it writes itself (`bindsScannedRows`). */
  appendScanned(target: number, scanned: ScannedRow, width: number, row: number): void {
    this.builder().appendScanned(target, scanned, width, row, this.numbered[target] as boolean);
  }

  /** Rows sent and not yet answered for: what the disk must still take. */
  get rowsInFlight(): number {
    return this.inFlight;
  }

  /** Rows written to `target` so far, as SQLite counted them. */
  changesOf(target: number): number {
    return this.changes[target] as number;
  }

  /**
   * Sends the rows appended since the last call as one transaction; resolves once fewer than
   * IN_FLIGHT transactions are in flight, holding less than SHARED_BYTES_IN_FLIGHT, or rejects
   * with the failure of one already sent (a ThreadRowFailure for a row, else an AsyncClientError).
   */
  async commit(onCommitted: (rows: number) => void): Promise<void> {
    const builder = this.builder();
    const rows = builder.build();
    if (rows.parts.length > 0) {
      this.pending.push({ reply: this.send(rows, onCommitted), builder });
      this.filling = null;
    }
    if (this.pending.length >= IN_FLIGHT && this.answeredSinceCheckpoint >= ANSWERS_PER_CHECKPOINT_HERE) this.checkpointHere();
    while (this.pending.length >= IN_FLIGHT || this.sharedBytesInFlight() >= SHARED_BYTES_IN_FLIGHT) await this.settleFirst();
  }

  /** Waits for every transaction sent; rejects as `commit` does. */
  async drain(): Promise<void> {
    while (this.pending.length > 0) await this.settleFirst();
  }

  /** Ends the worker after what it was sent; never rejects. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.pending.map(({ reply }) => reply));
    this.pending = [];
    if (!this.stopped) {
      this.stopped = true;
      this.worker.postMessage('stop');
    }
    await this.exited;
  }

  private register(spec: TableSpec, into: RowTarget, stage: Omit<TargetStatements, 'width' | 'direct'>): number {
    const target: TargetStatements = { width: rowWidth(spec, into), direct: statementsFor(spec, into), ...stage };
    this.worker.postMessage({ target });
    this.changes.push(0);
    this.numbered.push(into.numbered);
    return this.changes.length - 1;
  }

  /** PASSIVE: never waits for a lock. One that fails changes nothing a reader sees: the next one, or the worker's, copies what it left. */
  private checkpointHere(): void {
    this.answeredSinceCheckpoint = 0;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {}
  }

  private sharedBytesInFlight(): number {
    return this.pending.reduce((sum, { builder }) => sum + builder.sharedBytes, 0);
  }

  private builder(): BoundRowsBuilder {
    this.filling ??= this.idle.pop() ?? new BoundRowsBuilder();
    return this.filling;
  }

  private send(rows: BoundRows, onCommitted: (rows: number) => void): Promise<WorkerReply | Error> {
    if (this.failure !== null) return Promise.resolve(this.failure);
    const reply = new Promise<WorkerReply | Error>((resolve) => this.waiting.push(resolve));
    this.worker.postMessage(rows);
    const count = rows.parts.reduce((sum, part) => sum + part.count, 0);
    this.inFlight += count;
    return reply.then((settled) => {
      this.inFlight -= count;
      if (!(settled instanceof Error) && 'changes' in settled) onCommitted(count);
      return settled;
    });
  }

  private async settleFirst(): Promise<void> {
    const { reply: replied, builder } = this.pending.shift() as (typeof this.pending)[number];
    const reply = await replied;
    // The worker has answered for what the builder held.
    builder.clear();
    this.idle.push(builder);
    this.answeredSinceCheckpoint += 1;
    if (reply instanceof Error) throw reply;
    if ('failure' in reply) throw failureOf(reply.failure);
    reply.changes.forEach((count, target) => {
      this.changes[target] = (this.changes[target] as number) + count;
    });
  }

  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = new AsyncClientError(
      'E_DATABASE',
      `the thread writing the package's rows stopped: ${error.message}`,
      {},
      { cause: error },
    );
    for (const resolve of this.waiting.splice(0)) resolve(this.failure);
  }
}
