import type { TableSpec } from '../package/types.js';
import { insertSql, ROWS_PER_STATEMENT, type RowTarget } from './sqlite-row-writer.js';

/* What crosses between the writer thread (sqlite-writer-thread.ts) and its worker (sqlite-writer-thread-script.ts). */

/** What the worker reports of a statement that failed: SQLite's code and message. */
export interface WorkerFailure {
  readonly target: number;
  readonly row: number;
  readonly name: string;
  readonly code: string;
  readonly message: string;
}

export type WorkerReply = { readonly changes: readonly number[] } | { readonly failure: WorkerFailure };

/** A row the worker could not write: the table's place among the targets, its row number and SQLite's error. */
export class ThreadRowFailure extends Error {
  constructor(
    readonly target: number,
    readonly row: number,
    override readonly cause: Error & { readonly code: string },
  ) {
    super(`row ${row} of target ${target}`);
  }
}

/** A target as the worker registers it (sqlite-writer-thread-script.ts): the stage's parts are null for a table of the staging file. */
export interface TargetStatements {
  readonly width: number;
  readonly create: string | null;
  readonly direct: InsertStatements;
  readonly staged: InsertStatements | null;
  readonly copy: string | null;
  readonly clear: string | null;
}

/** The inserts of a group of rows and of one row. */
interface InsertStatements {
  readonly group: string;
  readonly single: string;
}

export function statementsFor(spec: TableSpec, into: RowTarget): InsertStatements {
  const insert = insertSql(spec, into);
  return { group: insert(ROWS_PER_STATEMENT), single: insert(1) };
}

/** SQLite's error as the worker reported it, in the shape translateSqliteError reads. */
export function failureOf(failure: WorkerFailure): Error {
  const cause = Object.assign(new Error(failure.message), { name: failure.name, code: failure.code });
  return failure.target < 0 ? cause : new ThreadRowFailure(failure.target, failure.row, cause);
}
