import { Worker } from 'node:worker_threads';
import { AsyncClientError, errorMessage } from '../errors.js';
import { FILE_WORKER_SCRIPT } from './file-worker-script.js';
import { FolderErrorCode } from './working-folder.js';

/**
 * One system-level file call for the worker. Writes and renames are on absolute paths checked
 * by the caller; a read names its file by the folder's root and the path's segments, and the
 * worker checks the path itself (root-placement.ts) before it opens the file.
 */
export type FileCall =
  | { readonly kind: 'write'; readonly path: string; readonly temporary: string; readonly content: Uint8Array }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string }
  | {
      readonly kind: 'read';
      readonly root: string;
      readonly mountPoint: boolean;
      readonly segments: readonly string[];
      readonly limit: number;
    };

/**
 * A call's outcome: done (a read's bytes, `null` when the file holds more than its limit), or the
 * system error (`syncing` when the call was done but its folder could not be synced; `atRoot`
 * when the folder's root could not be reached); or a read refused: no regular file (`notAFile`),
 * or a path that leads out of the folder to the real path `outside`.
 */
export type FileCallResult =
  | { readonly ok: true; readonly bytes?: Uint8Array | null }
  | { readonly ok: false; readonly error: Error; readonly syncing?: boolean; readonly atRoot?: boolean }
  | { readonly ok: false; readonly notAFile: true }
  | { readonly ok: false; readonly outside: string };

/** How the worker makes a batch's calls. */
export interface BatchOptions {
  /** Sync the folders the calls changed, once each, after all of them. */
  readonly syncFolders: boolean;
  /** The folder is on the machine's own disk (LocalRoot.onLocalDisk): the calls are made synchronously, only fsyncs overlap. */
  readonly localDisk: boolean;
}

type Answer = { readonly id: number; readonly results: readonly RawResult[] };
type Run = BatchOptions & { readonly id: number; readonly calls: readonly FileCall[] };
type RawResult =
  | { readonly ok: true; readonly bytes?: Uint8Array | null }
  | { readonly ok: false; readonly error: { code?: string; message: string }; readonly syncing?: boolean; readonly atRoot?: boolean }
  | { readonly ok: false; readonly notAFile: true }
  | { readonly ok: false; readonly outside: string };

/** What a file worker runs, and whom it tells when it fails. */
export interface FileWorkerOptions {
  /** The thread's source: file-worker-script.ts, unless a test gives another. */
  readonly script?: string;
  /** Told once when the worker fails for good: the folder then makes the calls itself, on the main thread. */
  readonly onFailure?: (error: AsyncClientError) => void;
}

/** A worker with nothing to do for this long ends; the next batch starts another. */
const IDLE_MS = 2000;
const CLOSE_WAIT_MS = 1000;

/**
 * File calls on a thread of their own, a batch per message (file-worker-script.ts). On this
 * machine an asynchronous file call costs the main thread 25 to 60 µs however short it is
 * (docs/benchmarks.md, issue 10), and a backlog's group of status reports and moves is some ten of
 * them a package; synchronous calls cost 5 to 9 µs each, but a network-mounted folder may block any
 * of them for seconds, which the main thread must never wait for: the worker makes the calls and
 * waits instead, and the main thread pays one message a batch. The thread starts with the first batch and ends after
 * `IDLE_MS` without one (an idle daemon holds no thread) or at `close`. A worker that fails
 * rejects its batches with E_FOLDER_IO and is not started again: the caller makes the calls
 * itself from then on (`available`).
 */
export class FileWorker {
  private worker: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly pending = new Map<number, { resolve: (results: FileCallResult[]) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private failed = false;
  /** Batches asked for in this turn of the event loop, sent together at its end. */
  private outbox: Run[] = [];

  constructor(private readonly options: FileWorkerOptions = {}) {}

  /** False once a worker failed, or after `close`. */
  get available(): boolean {
    return !this.failed;
  }

  /**
   * Makes `calls` on the worker, several at once (none may depend on another), as `options` say.
   * The batches asked for in one turn of the event loop (the packages a backlog reads ahead, say)
   * go in one message and are answered in one: a message costs the main thread some 50 µs
   * (docs/benchmarks.md, issue 10, eighteenth round).
   */
  run(calls: readonly FileCall[], options: BatchOptions): Promise<FileCallResult[]> {
    if (this.failed) return Promise.reject(this.stopped('it failed before'));
    const worker = this.started();
    const id = this.nextId++;
    if (this.outbox.length === 0) queueMicrotask(() => this.send(worker));
    this.outbox.push({ id, calls, ...options });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
  }

  private send(worker: Worker): void {
    const runs = this.outbox;
    this.outbox = [];
    // Closed or failed since: the batches were rejected with it.
    if (this.worker === worker) worker.postMessage(runs);
  }

  /**
   * Ends the worker; batches in flight reject. Waits at most `CLOSE_WAIT_MS` for the thread to end:
   * one blocked in a call to a share that hangs ends when the call returns, and a shutdown must not
   * wait for that.
   */
  async close(): Promise<void> {
    this.failed = true;
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    this.rejectPending('the working folder was closed');
    if (worker === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_WAIT_MS);
      timer.unref();
    });
    await Promise.race([Promise.all([worker.terminate(), this.exited]), waited]);
    clearTimeout(timer);
  }

  private started(): Worker {
    clearTimeout(this.idleTimer);
    if (this.worker !== undefined) {
      if (this.pending.size === 0) this.worker.ref();
      return this.worker;
    }
    const worker = new Worker(this.options.script ?? FILE_WORKER_SCRIPT, {
      eval: true,
      // Not the process's flags: under `--input-type=module` the script would be read as a module, without `require`.
      execArgv: [],
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 },
    });
    worker.on('message', (answers: readonly Answer[]) => this.answered(answers));
    worker.on('error', (error) => this.fail(worker, error));
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        this.fail(worker, new Error('the thread ended'));
        resolve();
      }),
    );
    this.worker = worker;
    return worker;
  }

  private answered(answers: readonly Answer[]): void {
    for (const { id, results } of answers) {
      const waiting = this.pending.get(id);
      this.pending.delete(id);
      waiting?.resolve(results.map(toResult));
    }
    if (this.pending.size > 0 || this.worker === undefined) return;
    // Idle: it no longer keeps the process alive, and ends if nothing comes.
    this.worker.unref();
    const worker = this.worker;
    this.idleTimer = setTimeout(() => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      void worker.terminate();
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  /** The current worker failed (an idle one ended on purpose, or one closed, is no longer current). */
  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failed = true;
    this.rejectPending(errorMessage(error));
    this.options.onFailure?.(this.stopped(errorMessage(error)));
  }

  private rejectPending(why: string): void {
    const reason = this.stopped(why);
    for (const { reject } of this.pending.values()) reject(reason);
    this.pending.clear();
  }

  private stopped(why: string): AsyncClientError {
    return new AsyncClientError(FolderErrorCode.io, `The working folder's file worker stopped: ${why}.`, {});
  }
}

function toResult(raw: RawResult): FileCallResult {
  if (raw.ok || !('error' in raw)) return raw;
  const error = Object.assign(new Error(raw.error.message), { code: raw.error.code });
  return { ok: false, error, ...(raw.syncing === true && { syncing: true }), ...(raw.atRoot === true && { atRoot: true }) };
}
