import type { PackageRow, TableSpec } from '../package/types.js';
import type { UpsertTaker } from '../package/upsert-taker.js';
import { type Binder, noKeyToDeleteBy, RowFailure } from './sqlite-row-writer.js';
import type { WriterThread } from './sqlite-writer-thread.js';

/** Where the writer thread writes one kind of a table's rows, and how this thread binds them. */
export interface ThreadRowsTarget {
  readonly target: number;
  readonly binders: readonly Binder[];
}

/**
 * A table's package rows on their way to the writer thread, numbered as the package numbers them
 * (`counter.seen`, the load's): upserts to one target; deletes to another, or, where `deletes` is
 * null (a shadow, which holds no row a delete could find), nowhere. A table without a key refuses
 * its deletes either way.
 */
export class ThreadTableRows {
  constructor(
    private readonly counter: { seen: number },
    private readonly writer: WriterThread,
    private readonly spec: TableSpec,
    private readonly upserts: ThreadRowsTarget,
    private readonly deletes: ThreadRowsTarget | null,
  ) {}

  write(rows: readonly PackageRow[]): void {
    for (const row of rows) {
      const number = ++this.counter.seen;
      if (row.op === 'upsert') this.writer.append(this.upserts.target, row.values, this.upserts.binders, number);
      else if (this.spec.primaryKey.length === 0) throw new RowFailure('delete', number, noKeyToDeleteBy());
      else if (this.deletes !== null) this.writer.append(this.deletes.target, row.key, this.deletes.binders, number);
    }
  }

  /** Takes plain upsert lines unmade (RowBatch.handOver), where they bind as the binders would bind their values (`bindsScannedRows`). */
  taker(): UpsertTaker {
    const width = this.spec.columns.length;
    return {
      scanned: (row) => this.writer.appendScanned(this.upserts.target, row, width, ++this.counter.seen),
      row: (row) => this.write([row]),
    };
  }
}
