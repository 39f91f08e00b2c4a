import type { PackageRow, RowBatch, TableSpec } from './types.js';

/** Where a content parser hands each checked row, in file order, with its line's text. */
export interface RowSink {
  row(table: TableSpec, row: PackageRow, line: string): void;
  /** The table's section is complete: what is held of it is a batch. */
  sectionEnd(): void;
}

/** A batch ends at this many characters of rows whatever its row count: large rows are handed on one by one. */
const MAX_BATCH_CHARS = 1024 * 1024;

/** Collects the rows into batches of at most `batchRows` rows and about MAX_BATCH_CHARS characters, queued for the reader to yield. */
export class RowBatches implements RowSink {
  private readonly batches: RowBatch[] = [];
  private held: PackageRow[] = [];
  private heldChars = 0;
  private table: TableSpec | undefined;

  constructor(private readonly batchRows: number) {}

  row(table: TableSpec, row: PackageRow, line: string): void {
    this.table = table;
    this.held.push(row);
    this.heldChars += line.length;
    if (this.held.length >= this.batchRows || this.heldChars >= MAX_BATCH_CHARS) this.sectionEnd();
  }

  /** Hands on the batches queued so far, in order, emptying the queue. */
  *drain(): Generator<RowBatch, void, undefined> {
    while (this.batches.length > 0) yield this.batches.shift() as RowBatch;
  }

  sectionEnd(): void {
    if (this.held.length === 0 || this.table === undefined) return;
    this.batches.push({ table: this.table, rows: this.held, chars: this.heldChars });
    this.held = [];
    this.heldChars = 0;
  }
}
