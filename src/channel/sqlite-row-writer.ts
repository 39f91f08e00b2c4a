import type { Database, Statement } from 'better-sqlite3';
import { AsyncClientError } from '../errors.js';
import { type CellValue, type ColumnType, Decimal, type PackageRow, type TableSpec } from '../package/types.js';
import { isoTimestamp } from './iso-timestamp.js';
import { quoteName } from './sqlite-schema.js';
import { affinityOf, toSqlite, type SqliteValue } from './sqlite-values.js';

/** Turns one column's cell into what better-sqlite3 binds. */
export type Binder = (value: CellValue) => SqliteValue;

/** For values read back from SQLite, bound as they are. */
export const AS_READ: Binder = (value) => value as SqliteValue;

/** Upserts bound in one statement: binding costs less per row than running a statement per row. */
export const ROWS_PER_STATEMENT = 16;

/** A row that failed, with its place among the table's package rows (from 1). */
export class RowFailure extends Error {
  constructor(
    readonly op: PackageRow['op'],
    readonly row: number,
    override readonly cause: unknown,
  ) {
    super(`${op} of row ${row}`);
  }
}

/**
 * Binders for a package table written into columns of the given declared types (the target's,
 * in the package's column order). Integers and booleans bind as JS numbers where the column's
 * INTEGER or NUMERIC affinity stores them as integers anyway (binding a bigint costs more);
 * an untyped column keeps what it is given, so there they bind as bigints, as `toSqlite` does.
 */
export function bindersFor(spec: TableSpec, declaredTypes: readonly string[]): Binder[] {
  return spec.columns.map((column, i) => binderFor(column.type, declaredTypes[i] ?? ''));
}

/**
 * Whether rows scanned from their lines (BoundRowsBuilder.appendScanned) bind as `bindersFor`
 * binds their values: integers and booleans as numbers in integral columns, strings, decimals'
 * text and timestamps' ISO text; not bigints, nor a binary column's bytes.
 */
export function bindsScannedRows(spec: TableSpec, declaredTypes: readonly string[]): boolean {
  return spec.columns.every((column, i) => {
    if (column.type === 'binary') return false;
    return (column.type !== 'integer' && column.type !== 'boolean') || isIntegral(declaredTypes[i] ?? '');
  });
}

function isIntegral(declaredType: string): boolean {
  const affinity = affinityOf(declaredType);
  return affinity === 'INTEGER' || affinity === 'NUMERIC';
}

function binderFor(type: ColumnType, declaredType: string): Binder {
  const integral = isIntegral(declaredType);
  if (type === 'integer' && integral) return (value) => (typeof value === 'bigint' ? toSqlite(value) : (value as number | null));
  if (type === 'boolean' && integral) return (value) => (value === null ? null : value ? 1 : 0);
  if (type === 'string') return (value) => value as string | null;
  // What toSqlite makes of a Decimal and a Date, without its walk through the other types first.
  if (type === 'decimal') return (value) => (value instanceof Decimal ? value.text : toSqlite(value));
  if (type === 'timestamp') return (value) => (value instanceof Date ? isoTimestamp(value.getTime()) : toSqlite(value));
  return toSqlite;
}

/** What a writer writes into: `INSERT INTO <into> (<columns>) VALUES ...` (+ `conflict`), and deletes by key. */
export interface RowTarget {
  readonly into: string;
  /** Whether the first bound value is the row's number (a staging table's rowid). */
  readonly numbered: boolean;
  /** Appended to the insert, e.g. an ON CONFLICT clause. */
  readonly conflict: string;
  /** Deletes (or stages the delete of) one key; null where the table has no key. */
  readonly deleteSql: string | null;
}

/** The values a row binds in an insert into `target`. */
export function rowWidth(spec: TableSpec, target: RowTarget): number {
  return spec.columns.length + (target.numbered ? 1 : 0);
}

/** The insert of `rows` rows into `target`. */
export function insertSql(spec: TableSpec, target: RowTarget): (rows: number) => string {
  const tuple = `(${Array.from({ length: rowWidth(spec, target) }, () => '?').join(', ')})`;
  return (rows) => `${insertInto(spec, target)} VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}${target.conflict}`;
}

/** A table named `name` with the columns an insert into `target` names, untyped: it keeps each value as it was bound. */
export function untypedTableSql(spec: TableSpec, target: RowTarget, name: string): string {
  return `CREATE TABLE ${name} (${columnList(spec, target)})`;
}

/** The insert into `target` of every row of `from`, a table whose columns are the insert's, in order. */
export function copySql(spec: TableSpec, target: RowTarget, from: string): string {
  // `WHERE true`: without it, SQLite would read an ON CONFLICT clause as the SELECT's join constraint.
  return `${insertInto(spec, target)} SELECT * FROM ${from} WHERE true${target.conflict}`;
}

function insertInto(spec: TableSpec, target: RowTarget): string {
  return `INSERT INTO ${target.into} (${columnList(spec, target)})`;
}

function columnList(spec: TableSpec, target: RowTarget): string {
  return `${target.numbered ? 'rowid, ' : ''}${spec.columns.map((c) => quoteName(c.name)).join(', ')}`;
}

/** A delete in a package table without a primary key. */
export function noKeyToDeleteBy(): AsyncClientError {
  return new AsyncClientError('E_SCHEMA_KEY_MISMATCH', 'the package deletes by key from a table it gives no primary key');
}

/**
 * Writes a table's package rows with statements prepared once: runs of upserts several rows to a
 * statement, deletes one by one. A statement that fails is run again row by row, so that the
 * failure names its row (the failed statement has changed nothing).
 */
export class RowWriter {
  private readonly single: Statement;
  private group: Statement | undefined;
  private readonly insert: (rows: number) => string;
  private readonly remove: Statement | null;
  private readonly width: number;
  private readonly buffer: SqliteValue[];

  constructor(
    private readonly db: Database,
    spec: TableSpec,
    private readonly target: RowTarget,
    private readonly binders: readonly Binder[],
    private readonly keyBinders: readonly Binder[],
  ) {
    this.width = rowWidth(spec, target);
    this.insert = insertSql(spec, target);
    this.single = db.prepare(this.insert(1));
    this.remove = target.deleteSql === null ? null : db.prepare(target.deleteSql);
    this.buffer = new Array<SqliteValue>(this.width * ROWS_PER_STATEMENT);
  }

  /** Writes `rows`, the first being package row `first`; returns the rows changed. Throws RowFailure. */
  write(rows: readonly PackageRow[], first: number): number {
    let changed = 0;
    let i = 0;
    while (i < rows.length) {
      if (this.upsertsFrom(rows, i)) {
        for (let r = 0; r < ROWS_PER_STATEMENT; r++) this.bindInto(r * this.width, rows[i + r] as PackageRow, first + i + r);
        try {
          this.group ??= this.db.prepare(this.insert(ROWS_PER_STATEMENT));
          // Spread, not the array: better-sqlite3 reads an array's elements through V8's API, one lookup each (measured ~15 % of binding).
          changed += this.group.run(...this.buffer).changes;
        } catch (error) {
          // Some errors (a full disk, say) roll the whole transaction back: rows retried now would commit on their own.
          if (!this.db.inTransaction) throw new RowFailure('upsert', first + i, error);
          for (let r = 0; r < ROWS_PER_STATEMENT; r++) changed += this.writeOne(rows[i + r] as PackageRow, first + i + r);
        }
        i += ROWS_PER_STATEMENT;
      } else {
        changed += this.writeOne(rows[i] as PackageRow, first + i);
        i += 1;
      }
    }
    return changed;
  }

  private upsertsFrom(rows: readonly PackageRow[], start: number): boolean {
    if (start + ROWS_PER_STATEMENT > rows.length) return false;
    for (let i = start; i < start + ROWS_PER_STATEMENT; i++) if ((rows[i] as PackageRow).op !== 'upsert') return false;
    return true;
  }

  private writeOne(row: PackageRow, number: number): number {
    try {
      if (row.op === 'upsert') {
        const values = new Array<SqliteValue>(this.width);
        this.bindInto(0, row, number, values);
        return this.single.run(values).changes;
      }
      if (this.remove === null) throw noKeyToDeleteBy();
      const key = row.key.map((value, i) => (this.keyBinders[i] as Binder)(value));
      return this.remove.run(this.target.numbered ? [number, ...key] : key).changes;
    } catch (error) {
      throw new RowFailure(row.op, number, error);
    }
  }

  private bindInto(at: number, row: PackageRow, number: number, into: SqliteValue[] = this.buffer): void {
    const { values } = row as Extract<PackageRow, { op: 'upsert' }>;
    let offset = at;
    if (this.target.numbered) into[offset++] = number;
    for (let c = 0; c < this.binders.length; c++) into[offset + c] = (this.binders[c] as Binder)(values[c] as CellValue);
  }
}
