import { open } from 'node:fs/promises';
import type { Database, Statement, Transaction } from 'better-sqlite3';
import { Serial } from './serial.js';
import { CommitGroup } from './sqlite-commit-group.js';
import { translateSqliteError } from './sqlite-errors.js';

/** The statement that sets each commit's flush: `synchronous=NORMAL` in WAL mode does not fsync at commit. */
const COMMITS_NOT_FLUSHED = 'PRAGMA synchronous = NORMAL';

/**
 * The one write connection every SQLite part shares: its statements, its clock, the
 * channel it serves, and the rule that work runs on it one piece at a time.
 *
 * Whether a commit is flushed is set only when it changes: a backlog commits once a package,
 * unflushed, and setting the level before and after each commit was two more statements a
 * package (docs/benchmarks.md, issue 10). So the level an unflushed commit set stays until a
 * commit that must be flushed sets it back: every commit on this connection goes through
 * `commitFlushed`, `commitUnflushed` or `commitInGroup`, or is made after `flushCommits`.
 *
 * A small package's apply joins a commit group (sqlite-commit-group.ts): work that keeps the group
 * open runs through `exclusiveInGroup`; any other work commits it first.
 */
export class SqliteConnection {
  private readonly serial = new Serial();
  private readonly statements = new Map<string, Statement>();
  /** One transaction function for every commit: `db.transaction` builds five functions a call. */
  private readonly transaction: Transaction<(work: () => unknown) => unknown>;
  private readonly group: CommitGroup;
  /** Whether a commit since the last flush went to the WAL without an fsync. */
  private unflushed = false;
  /** The `synchronous` level the connection was opened with, which flushed commits use. */
  readonly flushedLevel: number;
  /** Whether the next commit is flushed, as the last `PRAGMA synchronous` set it. */
  private commitsFlushed = true;
  /** Leftover shadow tables and staging files of an apply cut short were swept on this connection (sqlite-apply.ts). */
  shadowsSwept = false;

  constructor(
    readonly db: Database,
    readonly location: string,
    readonly channelId: string,
    readonly now: () => Date,
    /** Whether a large full package's new tables are written by a thread of their own (SqliteChannelDatabaseOptions). */
    readonly writerThread: boolean,
  ) {
    this.transaction = db.transaction((work: () => unknown) => work());
    this.flushedLevel = db.pragma('synchronous', { simple: true }) as number;
    this.group = new CommitGroup(db, location);
  }

  /** A prepared statement, cached by its text for the life of the connection. */
  statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `work` alone on the connection, after an open commit group is committed; SQLite errors become ours, naming `where`. */
  exclusive<T>(where: string, work: () => T | Promise<T>): Promise<T> {
    return this.alone(where, () => this.endGroup(), work);
  }

  /**
   * Like `exclusive`, but an open commit group stays open: for reads, which see its rows, and
   * for an apply, which joins it (`commitInGroup`) or commits it (any other commit).
   */
  exclusiveInGroup<T>(where: string, work: () => T | Promise<T>): Promise<T> {
    return this.alone(where, () => this.group.throwLoss(), work);
  }

  private alone<T>(where: string, before: () => void, work: () => T | Promise<T>): Promise<T> {
    return this.serial.run(async () => {
      try {
        before();
        return await work();
      } catch (error) {
        throw translateSqliteError(error, this.location, where);
      }
    });
  }

  /** Runs synchronous `work` in one write transaction (BEGIN IMMEDIATE), alone on the connection, its commit flushed. */
  write<T>(where: string, work: () => T): Promise<T> {
    return this.exclusive(where, () => this.commitFlushed(work));
  }

  /**
   * Like `write`, but the commit is not flushed to disk (`synchronous=NORMAL` in WAL mode): a
   * power cut may undo it, never corrupt it. For records nobody outside is told of, whose loss
   * only repeats a step; the next flushed commit flushes the WAL before it, this one included.
   */
  writeUnflushed<T>(where: string, work: () => T): Promise<T> {
    return this.exclusive(where, () => this.commitUnflushed(work));
  }

  /** Runs `work` in one write transaction whose commit is flushed; inside `exclusive`. */
  commitFlushed<T>(work: () => T): T {
    this.flushCommits(true);
    return this.transaction.immediate(work) as T;
  }

  /** Runs `work` in one write transaction whose commit is not flushed; inside `exclusive`. */
  commitUnflushed<T>(work: () => T): T {
    this.flushCommits(false);
    const result = this.transaction.immediate(work) as T;
    this.unflushed = true;
    return result;
  }

  /**
   * Runs `work` as a member of the open commit group, or of a new one; its commit is not flushed.
   * Inside `exclusiveInGroup`. After a group was lost, in a transaction of its own (`commitUnflushed`).
   */
  commitInGroup<T>(work: () => T): T {
    if (!this.group.grouping) return this.commitUnflushed(work);
    this.setSynchronous(false);
    const result = this.group.join(this.transaction as (work: () => T) => T, work);
    this.unflushed = true;
    return result;
  }

  /** Commits the open commit group, if any; throws the loss of a group that could not be committed. */
  private endGroup(): void {
    this.group.end();
    this.group.throwLoss();
  }

  /**
   * Sets whether the commits from here on are flushed, for those made by hand (a large apply's
   * staging, COMMIT by COMMIT); `commitFlushed` and `commitUnflushed` set it themselves.
   */
  flushCommits(flushed: boolean): void {
    this.endGroup();
    this.setSynchronous(flushed);
  }

  private setSynchronous(flushed: boolean): void {
    if (this.commitsFlushed === flushed) return;
    // Not a cached statement: SQLite applies `PRAGMA synchronous` as it prepares it, and a prepared one run again may do nothing.
    this.db.exec(flushed ? `PRAGMA synchronous = ${this.flushedLevel}` : COMMITS_NOT_FLUSHED);
    this.commitsFlushed = flushed;
  }

  /**
   * Flushes the unflushed commits: an fsync of the WAL, which holds them (a checkpoint copies
   * frames to the database only after syncing the WAL). What `synchronous=FULL` does at each commit.
   * An open commit group is committed first; the loss of one is thrown here for the last time.
   */
  flush(): Promise<void> {
    const settleGroup = (): void => {
      this.group.end();
      this.group.takeLoss();
    };
    return this.alone('flushing commits to disk', settleGroup, async () => {
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
      this.group.end();
      this.statements.clear();
      this.db.close();
      this.group.takeLoss();
    });
  }
}
