import type { PackageRow } from './types.js';

/**
 * A consumer that takes a table's checked rows in its own form instead of as PackageRow objects
 * (RowBatch.handOver): a plain upsert line as its scanned values, which it writes where it keeps
 * rows before the next row comes; any other row (a line JSON.parse read, a delete) as a row.
 * Rows come in file order, each checked as a batch's rows are.
 */
export interface UpsertTaker {
  scanned(row: ScannedRow): void;
  row(row: PackageRow): void;
}

/** A plain upsert line's values, read and checked, not yet made into values. */
export interface ScannedRow {
  writeTo(target: PackedValueTarget): void;
}

/** Where a scanned row's values go, one call a column in column order. */
export interface PackedValueTarget {
  null(): void;
  /** An integer column's value: a safe integer. */
  integer(value: number): void;
  boolean(value: boolean): void;
  /** A timestamp column's value, in milliseconds since the epoch. */
  timestamp(ms: number): void;
  /** A string column's characters, or a decimal's text: `line` from `start` to `end`, holding no escape. */
  text(line: string, start: number, end: number): void;
}
