/** Receives a table's content lines in batches of about this many bytes. */
const BATCH_BYTES = 128 * 1024;

/** Where a table's content lines go, with how many rows they hold. */
export type LineSink = (lines: Buffer, rows: number) => Promise<void>;

/**
 * Encodes content lines straight into two byte buffers, filling one while the other is being
 * compressed: no line piles up as a string and no buffer is allocated per batch, so that
 * neither the heap nor external memory grows with the input.
 */
export class LineBatcher {
  private readonly buffers = [Buffer.allocUnsafe(BATCH_BYTES), Buffer.allocUnsafe(BATCH_BYTES)];
  private readonly consumed: Array<Promise<void>> = [Promise.resolve(), Promise.resolve()];
  private current = 0;
  private used = 0;
  private rows = 0;

  constructor(private readonly sink: LineSink) {}

  /** Adds a line; true when the buffer is nearly full and it is time to flush. */
  add(line: string, rows = 1): boolean {
    this.rows += rows;
    const buffer = this.buffers[this.current] as Buffer;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (3 * line.length <= buffer.length - this.used) {
      this.used += buffer.write(line, this.used, 'utf8');
      return buffer.length - this.used < BATCH_BYTES / 4;
    }
    this.oversized = line;
    return true;
  }

  /** Hands the filled buffer to the sink and waits until the other one is free again. */
  async flush(): Promise<void> {
    const index = this.current;
    const oversized = this.oversized;
    this.oversized = undefined;
    if (this.used > 0 || oversized !== undefined) {
      const filled = (this.buffers[index] as Buffer).subarray(0, this.used);
      const rows = this.rows;
      this.consumed[index] = (async () => {
        if (filled.length > 0) await this.sink(filled, oversized === undefined ? rows : 0);
        if (oversized !== undefined) await this.sink(Buffer.from(oversized, 'utf8'), rows);
      })();
      this.current = 1 - index;
      this.used = 0;
      this.rows = 0;
    }
    await this.consumed[this.current];
  }

  /** Flushes and waits until the sink has consumed everything. */
  async end(): Promise<void> {
    await this.flush();
    await Promise.all(this.consumed);
  }

  private oversized: string | undefined;
}
