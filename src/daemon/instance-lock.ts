import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AsyncClientError } from '../errors.js';

/** Who holds a lock, as it wrote down when it took it. */
export interface LockHolder {
  readonly pid: number;
  /** `run`, `download --once`, ... */
  readonly command: string;
  readonly since: string;
}

/** What a lock's probe found: free, or held (by a holder that may not have written its name yet). */
export type LockState = { readonly held: false } | { readonly held: true; readonly holder: LockHolder | null };

function lockFile(stateDirectory: string, name: string): string {
  return path.join(stateDirectory, `${name}.lock`);
}

function holderFile(stateDirectory: string, name: string): string {
  return path.join(stateDirectory, `${name}.lock.holder`);
}

/** better-sqlite3's SqliteError is not a native Error in another realm (jest's): its code is read directly. */
function isBusy(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'SQLITE_BUSY';
}

async function readHolder(file: string): Promise<LockHolder | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}

/**
 * One process per store and direction: `run` takes `download` and `upload`, a one-shot cycle
 * the one it runs. The lock is SQLite's exclusive lock (an fcntl lock) on `<name>.lock` in the
 * state directory, held by an open transaction: the kernel drops it when the process ends,
 * however it ends, so a crash never leaves a stale lock behind. Beside it `<name>.lock.holder`
 * names the holder's PID for the message that refuses a second one. The lock file itself is
 * never removed: a process may be opening it at that moment, and would then lock a file that
 * the next one no longer sees.
 */
export class InstanceLock {
  private constructor(
    private readonly db: Database.Database,
    private readonly holderPath: string,
  ) {}

  /** Takes the lock or throws E_ALREADY_RUNNING naming the process that holds it. */
  static async acquire(stateDirectory: string, name: string, command: string): Promise<InstanceLock> {
    const file = lockFile(stateDirectory, name);
    const holderPath = holderFile(stateDirectory, name);
    const db = new Database(file, { timeout: 0 });
    try {
      // No rollback journal: the transaction never writes, it only holds the lock.
      db.pragma('journal_mode = OFF');
      db.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      db.close();
      if (!isBusy(error)) throw error;
      throw alreadyRunning(name, file, await readHolder(holderPath));
    }
    const holder: LockHolder = { pid: process.pid, command, since: new Date().toISOString() };
    await writeFile(`${holderPath}.tmp`, `${JSON.stringify(holder)}\n`);
    await rename(`${holderPath}.tmp`, holderPath);
    return new InstanceLock(db, holderPath);
  }

  /** Whether the lock is held, without taking it and without creating anything. */
  static async probe(stateDirectory: string, name: string): Promise<LockState> {
    let db: Database.Database;
    try {
      db = new Database(lockFile(stateDirectory, name), { timeout: 0, readonly: true, fileMustExist: true });
    } catch {
      return { held: false };
    }
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      return { held: false };
    } catch (error) {
      if (!isBusy(error)) throw error;
      return { held: true, holder: await readHolder(holderFile(stateDirectory, name)) };
    } finally {
      db.close();
    }
  }

  /** Forgets the holder first (while still holding), then lets go. */
  async release(): Promise<void> {
    await unlink(this.holderPath).catch(() => undefined);
    this.db.close();
  }
}

/** `PID 1234 (run, since ...)`, or what is known when the holder did not write its name yet. */
export function describeHolder(holder: LockHolder | null): string {
  return holder === null ? 'a process that has not written its PID yet' : `PID ${holder.pid} (${holder.command}, since ${holder.since})`;
}

function alreadyRunning(name: string, file: string, holder: LockHolder | null): AsyncClientError {
  return new AsyncClientError(
    'E_ALREADY_RUNNING',
    `another async-client runs this store's ${name} cycle: ${describeHolder(holder)} holds ${file}; ` +
      'stop it first (sudo systemctl stop async-client) or let its cycle finish',
    { lock: file, holder },
  );
}
