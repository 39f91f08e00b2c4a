import { open } from 'node:fs/promises';
import type { Database, Statement } from 'better-sqlite3';
import { Serial } from './serial.js';
import { translateSqliteError } from './sqlite-errors.js';

/**
 * The one write connection every SQLite part shares: its statements, its clock, the
 * channel it serves, and the rule that work runs on it one piece at a time.
 */
export class SqliteConnection {
  private readonly serial = new Serial();
  private readonly statements = new Map<string, Statement>();
  /** Whether a commit since the last flush went to the WAL without an fsync. */
  private unflushed = false;
  /** The `synchronous` level the connection was opened with, which each unflushed commit restores after it. */
  private flushedLevel: number | undefined;
  /** Leftover shadow tables of an apply cut short were swept on this connection (sqlite-apply.ts). */
  shadowsSwept = false;

  constructor(
    readonly db: Database,
    readonly location: string,
    readonly channelId: string,
    readonly now: () => Date,
  ) {}

  /** A prepared statement, cached by its text for the life of the connection. */
  statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `work` alone on the connection; SQLite errors become ours, naming `where`. */
  exclusive<T>(where: string, work: () => T | Promise<T>): Promise<T> {
    return this.serial.run(async () => {
      try {
        return await work();
      } catch (error) {
        throw translateSqliteError(error, this.location, where);
      }
    });
  }

  /** Runs synchronous `work` in one write transaction (BEGIN IMMEDIATE), alone on the connection. */
  write<T>(where: string, work: () => T): Promise<T> {
    return this.exclusive(where, () => this.db.transaction(work).immediate());
  }

  /**
   * Like `write`, but the commit is not flushed to disk (`synchronous=NORMAL` in WAL mode): a
   * power cut may undo it, never corrupt it. For records nobody outside is told of, whose loss
   * only repeats a step; the next flushed commit flushes the WAL before it, this one included.
   */
  writeUnflushed<T>(where: string, work: () => T): Promise<T> {
    return this.exclusive(where, () => this.commitUnflushed(work));
  }

  /** Runs `work` in one write transaction whose commit is not flushed; inside `exclusive`. */
  commitUnflushed<T>(work: () => T): T {
    // Prepared once, and the level read once: a backlog commits a few times per package, and `db.pragma` prepares its statement each call.
    this.flushedLevel ??= this.statement('PRAGMA synchronous').pluck().get() as number;
    const synchronous = this.flushedLevel;
    this.statement('PRAGMA synchronous = NORMAL').run();
    try {
      const result = this.db.transaction(work).immediate();
      this.unflushed = true;
      return result;
    } finally {
      this.statement(`PRAGMA synchronous = ${synchronous}`).run();
    }
  }

  /**
   * Flushes the unflushed commits: an fsync of the WAL, which holds them (a checkpoint copies
   * frames to the database only after syncing the WAL). What `synchronous=FULL` does at each commit.
   */
  flush(): Promise<void> {
    return this.exclusive('flushing commits to disk', async () => {
      if (!this.unflushed) return;
      const wal = await open(`${this.location}-wal`, 'r');
      try {
        await wal.sync();
      } finally {
        await wal.close();
      }
      this.unflushed = false;
    });
  }

  /** Waits for work in flight, then closes. */
  close(): Promise<void> {
    return this.serial.run(() => {
      this.statements.clear();
      this.db.close();
    });
  }
}
