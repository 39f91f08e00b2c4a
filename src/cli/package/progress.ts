import type { Writable } from 'node:stream';

const REDRAW_MS = 200;

/**
 * One status line (rows, bytes, rate) redrawn in place while a long operation runs, on a
 * terminal only: piped or redirected output stays clean.
 */
export class Progress {
  private readonly enabled: boolean;
  private readonly started = performance.now();
  private lastDraw = 0;
  private rows = 0;
  private bytes = 0;

  constructor(
    private readonly stream: Writable,
    private readonly label: string,
  ) {
    this.enabled = (stream as { isTTY?: boolean }).isTTY === true;
  }

  /** Rows done, and the bytes they came to when the caller counts bytes that way (pack: the content before compression). */
  addRows(rows: number, bytes = 0): void {
    this.rows += rows;
    this.bytes += bytes;
    this.maybeDraw();
  }

  /** Bytes read so far, for a reader that counts no rows. */
  setBytes(bytes: number): void {
    this.bytes = bytes;
    this.maybeDraw();
  }

  /** Clears the status line. */
  done(): void {
    if (this.enabled && this.lastDraw > 0) this.stream.write('\r\x1b[K');
  }

  private maybeDraw(): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = Math.round(this.rows / seconds).toLocaleString('en-US');
    const megabytes = (this.bytes / 2 ** 20).toFixed(1);
    const rows = this.rows === 0 ? '' : `${this.rows.toLocaleString('en-US')} rows, `;
    const perSecond = this.rows === 0 ? `${(this.bytes / 2 ** 20 / seconds).toFixed(1)} MB/s` : `${rate} rows/s`;
    this.stream.write(`\r\x1b[K${this.label}: ${rows}${megabytes} MB, ${perSecond}`);
  }
}
