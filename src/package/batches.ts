import type { PackageRow, RowBatch, TableSpec } from './types.js';
import type { UpsertTaker } from './upsert-taker.js';

/** Where a content parser hands each checked row, in file order, with its line's text. */
export interface RowSink {
  row(table: TableSpec, row: PackageRow, line: string): void;
  /** A row the parser gave the table's taker: counted, with its line's characters. */
  taken(table: TableSpec, line: string): void;
  /** From now on the section's batches offer `handOver` (RowBatch.handOver); undefined: they offer nothing. */
  offer(handOver: ((taker: UpsertTaker) => void) | undefined): void;
  /** The table's section is complete, or its rows are handed over: what is held of it is a batch. */
  sectionEnd(): void;
}

/**
 * Content handed to a parser at once, its batches drained after each piece. The rows a piece holds
 * reach a taker (RowBatch.handOver) before its consumer counts them, so a piece bounds how far the
 * consumer's transaction runs over the rows it counted: some 200 rows of 80 characters.
 */
export const PARSE_PIECE_BYTES = 16 * 1024;

/** A batch ends at this many characters of rows whatever its row count: large rows are handed on one by one. */
const MAX_BATCH_CHARS = 1024 * 1024;

/**
 * Collects the rows into batches of at most `batchRows` rows and about MAX_BATCH_CHARS characters,
 * queued for the reader to yield; rows given to a taker, by the same measure, into batches that
 * count them.
 */
export class RowBatches implements RowSink {
  private readonly batches: RowBatch[] = [];
  private held: PackageRow[] = [];
  private taking = 0;
  private heldChars = 0;
  private table: TableSpec | undefined;
  private handOver: ((taker: UpsertTaker) => void) | undefined;

  constructor(private readonly batchRows: number) {}

  row(table: TableSpec, row: PackageRow, line: string): void {
    this.table = table;
    this.held.push(row);
    this.heldChars += line.length;
    if (this.held.length >= this.batchRows || this.heldChars >= MAX_BATCH_CHARS) this.sectionEnd();
  }

  taken(table: TableSpec, line: string): void {
    this.table = table;
    this.taking += 1;
    this.heldChars += line.length;
    if (this.taking >= this.batchRows || this.heldChars >= MAX_BATCH_CHARS) this.sectionEnd();
  }

  offer(handOver: ((taker: UpsertTaker) => void) | undefined): void {
    this.handOver = handOver;
  }

  /** Hands on the batches queued so far, in order, emptying the queue. */
  *drain(): Generator<RowBatch, void, undefined> {
    while (this.batches.length > 0) yield this.batches.shift() as RowBatch;
  }

  sectionEnd(): void {
    const { table } = this;
    if (table === undefined) return;
    if (this.held.length > 0) {
      const { handOver } = this;
      this.batches.push({ table, rows: this.held, chars: this.heldChars, ...(handOver === undefined ? {} : { handOver }) });
    } else if (this.taking > 0) {
      this.batches.push({ table, rows: [], chars: this.heldChars, taken: this.taking });
    } else return;
    this.held = [];
    this.taking = 0;
    this.heldChars = 0;
  }
}
