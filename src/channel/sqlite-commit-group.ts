import type { Database } from 'better-sqlite3';
import { translateSqliteError } from './sqlite-errors.js';

/**
 * At most this many members to a group: the POS waits for the write lock while a group is open,
 * and a backlog's small package holds the main thread about a millisecond.
 */
const COMMITS_PER_GROUP = 32;

/**
 * Small packages applied one after another, in one turn of the event loop, share one transaction:
 * each is a member, under a savepoint of its own, so that a package that fails rolls back alone.
 * A commit costs a backlog's package more than its rows (the WAL's frames for the journal's
 * pages, the locks): 1.2 s for 10,000 packages one by one, 0.3 s sixteen to a commit
 * (docs/benchmarks.md, issue 10, eighteenth round). The group is committed, unflushed, when the
 * event loop turns (the thread waits for something), at its `COMMITS_PER_GROUP`th member, or
 * before any other work on the connection (`end`).
 *
 * A group's commit that fails, or a member's error after which SQLite rolled the whole
 * transaction back (a full disk), loses the members before it. Their callers were told they were
 * applied, and HQ is told only after a flush: the loss is kept and thrown by every piece of work
 * on the connection, until a flush throws it for the last time (`takeLoss`), so that no later
 * package is applied past the lost ones and none of them is reported. They are applied again by
 * the next run, which finds them not Applied, each in a transaction of its own: after a loss the
 * connection groups no more (`grouping`), so that a package whose commit fails on its own (a
 * deferred foreign key it breaks) fails alone, not its group again and again.
 */
export class CommitGroup {
  private members = 0;
  private ending: NodeJS.Immediate | undefined;
  private loss: unknown = null;
  private lostOne = false;

  constructor(
    private readonly db: Database,
    private readonly location: string,
  ) {}

  /** False once a group was lost. */
  get grouping(): boolean {
    return !this.lostOne;
  }

  /** Runs `work` as a member, under a savepoint (`savepoint`), opening a group when none is open. */
  join<T>(savepoint: (work: () => T) => T, work: () => T): T {
    this.throwLoss();
    if (this.ending === undefined) {
      this.db.exec('BEGIN IMMEDIATE');
      this.ending = setImmediate(() => this.end());
    }
    let result: T;
    try {
      result = savepoint(work);
    } catch (error) {
      // SQLite rolled the whole transaction back: the members before this one went with it.
      if (!this.db.inTransaction) this.lose(error);
      throw error;
    }
    this.members += 1;
    if (this.members >= COMMITS_PER_GROUP) this.end();
    return result;
  }

  /** Commits the open group, if any; a commit that fails is kept as the loss. */
  end(): void {
    if (this.ending === undefined) return;
    try {
      this.db.exec('COMMIT');
      this.reset();
    } catch (error) {
      this.lose(error);
    }
  }

  /** Throws the loss of a group, if there was one, and keeps it. */
  throwLoss(): void {
    if (this.loss !== null) throw this.loss;
  }

  /** Throws the loss of a group, if there was one, for the last time. */
  takeLoss(): void {
    const loss = this.loss;
    this.loss = null;
    if (loss !== null) throw loss;
  }

  private lose(error: unknown): void {
    const members = this.members;
    this.reset();
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } catch {
      // Left to SQLite, which rolls back what a connection did not commit; the loss below is what counts.
    }
    if (members === 0) return;
    this.lostOne = true;
    this.loss = translateSqliteError(
      error,
      this.location,
      `committing ${members} package${members === 1 ? '' : 's'} applied together (the next run applies them again)`,
    );
  }

  private reset(): void {
    clearImmediate(this.ending);
    this.ending = undefined;
    this.members = 0;
  }
}
