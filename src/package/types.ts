/**
 * The domain of a data package: what HQ and the store exchange. The byte layout that
 * carries these values is specified in docs/package-format.md.
 */
import type { UpsertTaker } from './upsert-taker.js';

export type Direction = 'download' | 'upload';

/** `full` replaces the listed tables' contents; `incremental` upserts and deletes by primary key. */
export type PackageKind = 'full' | 'incremental';

export type ColumnType = 'string' | 'integer' | 'decimal' | 'boolean' | 'timestamp' | 'binary';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
}

export interface TableSpec {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  /** Names of the primary-key columns, in key order; a subset of `columns`. */
  readonly primaryKey: readonly string[];
  /** Number of upsert rows the package holds for this table. */
  readonly upsertCount: number;
  /** Number of delete rows (primary key only) the package holds for this table. */
  readonly deleteCount: number;
}

export interface PackageManifest {
  readonly formatVersion: string;
  readonly direction: Direction;
  readonly channelId: string;
  /** Per channel and direction, starts at 1 and grows by exactly 1 per package. */
  readonly sequence: number;
  readonly job: { readonly id: string; readonly name: string };
  readonly dataGroup: string;
  readonly kind: PackageKind;
  /** ISO 8601 UTC. */
  readonly createdAt: string;
  /** Free text naming the system and version that wrote the package. */
  readonly producer: string;
  readonly tables: readonly TableSpec[];
}

/**
 * An exact decimal, kept as its canonical text (`-12.50` stays `-12.50`) so that money
 * never passes through a binary float.
 */
export class Decimal {
  static readonly PATTERN = /^-?(0|[1-9]\d*)(\.\d+)?$/;

  constructor(readonly text: string) {
    if (!Decimal.PATTERN.test(text)) throw new TypeError(`not a decimal: ${JSON.stringify(text)}`);
  }

  toString(): string {
    return this.text;
  }
}

/**
 * One cell. `integer` is a number when it is a safe integer and a bigint otherwise;
 * `timestamp` is a Date (millisecond precision, UTC); `binary` is a Uint8Array.
 */
export type CellValue = string | number | bigint | Decimal | boolean | Date | Uint8Array | null;

export type PackageRow =
  | { readonly op: 'upsert'; readonly values: readonly CellValue[] }
  | { readonly op: 'delete'; readonly key: readonly CellValue[] };

/** Rows of one table, in file order; a reader yields a table's rows in one or more batches. */
export interface RowBatch {
  readonly table: TableSpec;
  readonly rows: readonly PackageRow[];
  /** The characters of the rows' lines, when they were read from a package: about what holding them costs. */
  readonly chars?: number;
  /**
   * Offered by a package reader for a table whose plain upsert lines it can hand over unmade
   * (upsert-taker.ts): once called, the table's rows that follow go to `taker`, and the batches
   * after this one count them in `taken` instead of holding them in `rows`.
   */
  readonly handOver?: (taker: UpsertTaker) => void;
  /** Rows of the table given to its taker since the batch before, in file order. */
  readonly taken?: number;
}
