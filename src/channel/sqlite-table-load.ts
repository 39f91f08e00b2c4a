import type { Database } from 'better-sqlite3';
import type { PackageRow, TableSpec } from '../package/types.js';
import type { UpsertTaker } from '../package/upsert-taker.js';
import { findColumn, quoteName, readTable } from './sqlite-schema.js';
import { declaredTypeFor } from './sqlite-values.js';
import type { WriterThread } from './sqlite-writer-thread.js';

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
  /** Whether `write` writes through this connection (in its transaction), not another thread's. */
  readonly writesHere: boolean;
  /** Package rows written so far. */
  readonly seen: number;
  /** Writes the next rows of the table, in file order; throws RowFailure naming a row that fails. */
  write(rows: readonly PackageRow[]): void;
  /** Where the package reader may hand the table's next rows unmade (RowBatch.handOver), when this load takes them so. */
  taker?(): UpsertTaker | undefined;
  /** From now on, `write` sends the rows to the writer thread; returns the targets it knows this load's tables by. */
  writeThrough?(writer: WriterThread): ThreadTarget[];
  /** Inside the final transaction: puts the rows in place; returns the rows that changed a database row. */
  finish(): number;
  /** Outside any transaction, after the final commit or a failure: removes what the load staged. */
  discard(): void;
}

/** A writer thread's target (WriterThread.target) and the kind of package row it takes, to name a row it fails. */
export interface ThreadTarget {
  readonly target: number;
  readonly op: PackageRow['op'];
}

/** The `ON CONFLICT` clause that makes an insert an upsert by the package's primary key. */
export function upsertClause(spec: TableSpec): string {
  const updates = spec.columns
    .filter((c) => !spec.primaryKey.includes(c.name))
    .map((c) => `${quoteName(c.name)} = excluded.${quoteName(c.name)}`);
  const action = updates.length === 0 ? 'NOTHING' : `UPDATE SET ${updates.join(', ')}`;
  return ` ON CONFLICT (${spec.primaryKey.map(quoteName).join(', ')}) DO ${action}`;
}

/** The declared types of the package's columns in table `name`, or those a table created from the manifest gets. */
export function declaredTypes(db: Database, spec: TableSpec, name: string | null): string[] {
  const table = name === null ? null : readTable(db, name);
  return spec.columns.map((c) => (table === null ? declaredTypeFor(c.type) : (findColumn(table, c.name)?.declaredType ?? '')));
}

/** `<key> = ? AND ...` for the package's primary key. */
export function keyMatch(spec: TableSpec): string {
  return spec.primaryKey.map((k) => `${quoteName(k)} = ?`).join(' AND ');
}
