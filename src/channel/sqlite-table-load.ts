import type { Database, Statement } from 'better-sqlite3';
import { AsyncClientError } from '../errors.js';
import type { CellValue, PackageRow, TableSpec } from '../package/types.js';
import { quoteName } from './sqlite-schema.js';
import { toSqlite } from './sqlite-values.js';

/**
 * How one package table reaches its place in the channel database, in two steps: `write` puts
 * each row somewhere the POS does not see (a shadow table, a temporary staging table), in short
 * transactions while the package streams in; `finish`, inside the one short transaction that
 * marks the session Applied, puts the rows in place. A package that fails is `discard`ed.
 */
export interface TableLoad {
  readonly spec: TableSpec;
  /** Whether `write` writes to the main database, so that its transaction must hold the write lock. */
  readonly writesMain: boolean;
  /** Package rows written so far, to name the one that fails. */
  readonly seen: number;
  write(row: PackageRow): void;
  /** Inside the final transaction: puts the rows in place; returns the rows that changed a database row. */
  finish(): number;
  /** Outside any transaction, after the final commit or a failure: removes what the load staged. */
  discard(): void;
}

/** `INSERT INTO table (columns) VALUES (?, ...)` for the package's columns. */
export function insertSql(table: string, spec: TableSpec): string {
  const columns = spec.columns.map((c) => quoteName(c.name));
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

/** The `ON CONFLICT` clause that makes an insert an upsert by the package's primary key. */
export function upsertClause(spec: TableSpec): string {
  const updates = spec.columns
    .filter((c) => !spec.primaryKey.includes(c.name))
    .map((c) => `${quoteName(c.name)} = excluded.${quoteName(c.name)}`);
  const action = updates.length === 0 ? 'NOTHING' : `UPDATE SET ${updates.join(', ')}`;
  return ` ON CONFLICT (${spec.primaryKey.map(quoteName).join(', ')}) DO ${action}`;
}

/** A row that failed while the staged rows were put in place, found by replaying them one by one. */
export class RowFailure extends Error {
  constructor(
    readonly op: PackageRow['op'],
    /** The row's place among the table's package rows, from 1. */
    readonly row: number,
    override readonly cause: unknown,
  ) {
    super(`${op} of row ${row}`);
  }
}

/** Runs a prepared insert or delete for one row's values; keyless tables take no delete. */
export class RowStatements {
  private readonly upsert: Statement;
  private readonly remove: Statement | null;

  /** `numbered`: the statements take the row's number first (a staging table's rowid). */
  constructor(
    db: Database,
    spec: TableSpec,
    upsertSql: string,
    deleteSql: string | null,
    private readonly numbered = false,
  ) {
    this.upsert = db.prepare(upsertSql);
    this.remove = spec.primaryKey.length === 0 || deleteSql === null ? null : db.prepare(deleteSql);
  }

  /** Rows the statement changed. */
  run(row: PackageRow, number: number): number {
    if (row.op === 'upsert') return this.upsert.run(this.bind(row.values, number)).changes;
    if (this.remove === null) {
      throw new AsyncClientError('E_SCHEMA_KEY_MISMATCH', 'the package deletes by key from a table it gives no primary key');
    }
    return this.remove.run(this.bind(row.key, number)).changes;
  }

  private bind(values: readonly CellValue[], number: number): unknown[] {
    const bound = values.map(toSqlite);
    return this.numbered ? [number, ...bound] : bound;
  }
}
