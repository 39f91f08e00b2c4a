import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';

/** A checkpoint is asked of the worker after this many staging commits (each some 40 pages of the WAL). */
const COMMITS_PER_CHECKPOINT = 8;
/**
 * After this many, the writer copies what is left itself, between two transactions: the WAL starts
 * over only when a transaction begins with every frame copied, which the worker, copying while
 * the writer appends, never sees. This bounds the WAL to about as many commits.
 */
const COMMITS_PER_RESTART = 64;

/**
 * The worker: its own connection, one PASSIVE checkpoint per message (never waiting for a lock),
 * answered with its outcome. A script, not a module file, so that it runs the same from the
 * built files and from the TypeScript sources the tests load.
 */
const WORKER_SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.location, { fileMustExist: true });
parentPort.on('message', (message) => {
  if (message === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  db.pragma('wal_checkpoint(PASSIVE)');
  parentPort.postMessage('done');
});
`;

/**
 * Copies a large apply's staging commits from the WAL into the database file on a thread of its
 * own, so that the writer spends its time writing rows: with `wal_autocheckpoint = 0` on the writer,
 * a worker with a connection of its own runs a PASSIVE checkpoint after every few commits. A
 * checkpoint changes nothing a reader sees, so a worker that fails loses nothing: the writer
 * takes its automatic checkpoints back and goes on.
 */
export class BackgroundCheckpoints {
  private readonly worker: Worker;
  private commits = 0;
  private busy = false;
  private failed = false;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly db: Database,
    location: string,
    private readonly autocheckpoint: number,
  ) {
    this.worker = new Worker(WORKER_SCRIPT, {
      eval: true,
      // Not the process's flags: under `--input-type=module` the script would be read as a module, without `require`.
      execArgv: [],
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), location },
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 },
    });
    this.worker.on('message', () => {
      this.busy = false;
    });
    this.worker.on('error', () => this.fail());
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    db.pragma('wal_autocheckpoint = 0');
  }

  /** Starts checkpointing `db`'s WAL in the background; null when its journal is not a WAL, or no worker could start. */
  static start(db: Database, location: string): BackgroundCheckpoints | null {
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') return null;
    try {
      return new BackgroundCheckpoints(db, location, Number(db.pragma('wal_autocheckpoint', { simple: true })));
    } catch {
      // The writer checkpoints as it always did.
      return null;
    }
  }

  /** After each staging commit, outside any transaction. */
  committed(): void {
    if (this.failed) return;
    this.commits += 1;
    if (this.commits >= COMMITS_PER_RESTART && !this.busy) {
      // PASSIVE: returns at once, copying nothing, should the worker's checkpoint still hold the lock.
      this.db.pragma('wal_checkpoint(PASSIVE)');
      this.commits = 0;
    } else if (this.commits % COMMITS_PER_CHECKPOINT === 0 && !this.busy) {
      this.busy = true;
      this.worker.postMessage('checkpoint');
    }
  }

  /** Stops the worker and gives the writer its automatic checkpoints back; never rejects. */
  async stop(): Promise<void> {
    if (!this.failed) this.worker.postMessage('stop');
    await this.exited;
    this.restore();
  }

  private fail(): void {
    this.failed = true;
    this.restore();
  }

  private restore(): void {
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${this.autocheckpoint}`);
  }
}
