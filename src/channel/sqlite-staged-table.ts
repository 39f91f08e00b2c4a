import type { Database } from 'better-sqlite3';
import type { CellValue, ColumnSpec, PackageKind, PackageRow, TableSpec } from '../package/types.js';
import type { UpsertTaker } from '../package/upsert-taker.js';
import { AS_READ, type Binder, bindersFor, bindsScannedRows, insertSql, type RowTarget, RowWriter } from './sqlite-row-writer.js';
import { quoteName } from './sqlite-schema.js';
import { STAGING_SCHEMA } from './sqlite-staging-file.js';
import { declaredTypes, keyMatch, type TableLoad, type ThreadTarget, upsertClause } from './sqlite-table-load.js';
import { ThreadTableRows } from './sqlite-thread-rows.js';
import type { WriterThread } from './sqlite-writer-thread.js';

let stagesMade = 0;

/**
 * A package table's rows staged in tables of the staging file (sqlite-staging-file.ts: staging
 * takes no lock on the channel database), then put in place by set-based statements in the final
 * transaction: an incremental package upserts and deletes by key; a full package whose table a
 * swap would change in meaning (see `swappableOriginal`) empties the table and inserts, firing the
 * POS's triggers row by row as before. The write lock is held for those statements only, not
 * while the package is read. A staged row's rowid is its place among the table's package rows,
 * so that a failure can name it. The rows are staged by this connection, or by the writer thread
 * while this one reads the package (`writeThrough`).
 */
export class StagedTableLoad implements TableLoad {
  readonly writesMain = false;
  seen = 0;
  private readonly upserts: string;
  private readonly deletes: string;
  private readonly columns: string;
  private readonly keys: string;
  private readonly writer: RowWriter;
  private readonly upsertTarget: RowTarget;
  private readonly deleteTarget: RowTarget;
  private readonly binders: readonly Binder[];
  private readonly keyBinders: readonly Binder[];
  /** Whether rows scanned from their lines bind as `binders` bind values (`bindsScannedRows`). */
  private readonly bindsScanned: boolean;
  private thread: ThreadTableRows | null = null;

  /** Inside a transaction, with the staging file attached: creates the staging tables. */
  constructor(
    private readonly db: Database,
    readonly spec: TableSpec,
    private readonly kind: PackageKind,
    /** The table as the database spells its name. */
    private readonly target: string,
  ) {
    stagesMade += 1;
    this.upserts = `${STAGING_SCHEMA}.${quoteName(`async_client_stage_${stagesMade}`)}`;
    this.deletes = `${STAGING_SCHEMA}.${quoteName(`async_client_stage_${stagesMade}_delete`)}`;
    this.columns = spec.columns.map((c) => quoteName(c.name)).join(', ');
    this.keys = spec.primaryKey.map(quoteName).join(', ');
    // The target's declared types: staged values take the form the target would give them.
    const types = declaredTypes(db, spec, target);
    const column = (name: string): number => spec.columns.findIndex((c) => c.name === name);
    const keyColumns = spec.primaryKey.map((k) => `${quoteName(k)} ${types[column(k)]}`);
    db.exec(`CREATE TABLE ${this.upserts} (${spec.columns.map((c, i) => `${quoteName(c.name)} ${types[i]}`).join(', ')})`);
    if (this.keys !== '') db.exec(`CREATE TABLE ${this.deletes} (${keyColumns.join(', ')})`);
    this.binders = bindersFor(spec, types);
    this.keyBinders = spec.primaryKey.map((k) => this.binders[column(k)] as Binder);
    this.bindsScanned = bindsScannedRows(spec, types);
    // Without deletes, a fresh table numbers the staged rows 1, 2, ... itself: one value less to bind per row.
    const numbered = spec.deleteCount > 0;
    this.upsertTarget = { into: this.upserts, numbered, conflict: '', deleteSql: null };
    this.deleteTarget = { into: this.deletes, numbered, conflict: '', deleteSql: null };
    this.writer = new RowWriter(
      db,
      spec,
      // A delete is staged as the insert of its key.
      { ...this.upsertTarget, deleteSql: this.keys === '' ? null : insertSql(this.keySpec, this.deleteTarget)(1) },
      this.binders,
      this.keyBinders,
    );
  }

  get writesHere(): boolean {
    return this.thread === null;
  }

  /** From now on, rows go to `writer`, a thread with the staging file attached; returns the targets it knows the staging tables by. */
  writeThrough(writer: WriterThread): ThreadTarget[] {
    const upserts = writer.stagingTarget(this.spec, this.upsertTarget);
    const deletes = this.keys === '' ? null : writer.stagingTarget(this.keySpec, this.deleteTarget);
    this.thread = new ThreadTableRows(
      this,
      writer,
      this.spec,
      { target: upserts, binders: this.binders },
      deletes === null ? null : { target: deletes, binders: this.keyBinders },
    );
    return [{ target: upserts, op: 'upsert' }, ...(deletes === null ? [] : [{ target: deletes, op: 'delete' as const }])];
  }

  write(rows: readonly PackageRow[]): void {
    if (this.thread !== null) {
      this.thread.write(rows);
      return;
    }
    this.writer.write(rows, this.seen + 1);
    this.seen += rows.length;
  }

  /** With a writer thread: the rows go to it as they are read, plain upsert lines without their values made. */
  taker(): UpsertTaker | undefined {
    return this.bindsScanned ? this.thread?.taker() : undefined;
  }

  /** The package's key columns: what a staged delete holds. */
  private get keySpec(): TableSpec {
    return { ...this.spec, columns: this.spec.primaryKey.map((k) => this.spec.columns.find((c) => c.name === k) as ColumnSpec) };
  }

  finish(): number {
    this.db.exec('SAVEPOINT async_client_put_in_place');
    try {
      const changed = this.putInPlace();
      this.db.exec('RELEASE async_client_put_in_place');
      return changed;
    } catch (error) {
      this.db.exec('ROLLBACK TO async_client_put_in_place');
      this.replayToFind();
      throw error;
    }
  }

  /** Its tables go with the staging file (StagingFile.remove). */
  discard(): void {}

  private get table(): string {
    return `main.${quoteName(this.target)}`;
  }

  private putInPlace(): number {
    let changed = 0;
    if (this.kind === 'full') this.db.exec(`DELETE FROM ${this.table}`);
    // `WHERE true` tells SQLite's parser that ON CONFLICT belongs to the INSERT, not to a join.
    const conflict = this.kind === 'full' ? '' : ` WHERE true ORDER BY rowid${upsertClause(this.spec)}`;
    const order = this.kind === 'full' ? ' ORDER BY rowid' : '';
    changed += this.db
      .prepare(`INSERT INTO ${this.table} (${this.columns}) SELECT ${this.columns} FROM ${this.upserts}${order}${conflict}`)
      .run().changes;
    if (this.keys !== '') {
      const key = this.spec.primaryKey.length === 1 ? this.keys : `(${this.keys})`;
      changed += this.db.prepare(`DELETE FROM ${this.table} WHERE ${key} IN (SELECT ${this.keys} FROM ${this.deletes})`).run().changes;
    }
    return changed;
  }

  /** After a set-based statement failed: the same rows one at a time, in the same order, to throw a RowFailure naming the first that fails. */
  private replayToFind(): void {
    const byRow = new RowWriter(
      this.db,
      this.spec,
      {
        into: this.table,
        numbered: false,
        conflict: this.kind === 'full' ? '' : upsertClause(this.spec),
        deleteSql: this.keys === '' ? null : `DELETE FROM ${this.table} WHERE ${keyMatch(this.spec)}`,
      },
      this.spec.columns.map(() => AS_READ),
      this.spec.primaryKey.map(() => AS_READ),
    );
    this.db.exec('SAVEPOINT async_client_replay');
    try {
      if (this.kind === 'full') this.db.exec(`DELETE FROM ${this.table}`);
      this.replay(byRow, 'upsert', this.upserts);
      if (this.keys !== '') this.replay(byRow, 'delete', this.deletes);
    } finally {
      this.db.exec('ROLLBACK TO async_client_replay');
      this.db.exec('RELEASE async_client_replay');
    }
  }

  private replay(byRow: RowWriter, op: PackageRow['op'], from: string): void {
    // Pages, not an iterator: the connection runs no other statement while one iterates.
    const page = this.db.prepare(`SELECT rowid, * FROM ${from} WHERE rowid > ? ORDER BY rowid LIMIT 1000`).raw().safeIntegers();
    for (let after = 0n; ; ) {
      const rows = page.all(after) as [bigint, ...CellValue[]][];
      if (rows.length === 0) return;
      for (const [rowid, ...values] of rows) {
        // One row per call, so that a RowFailure carries the staged row's own number.
        byRow.write([op === 'upsert' ? { op, values } : { op, key: values }], Number(rowid));
        after = rowid;
      }
    }
  }
}
