import { isUtf8 } from 'node:buffer';
import { packageError } from './errors.js';
import { contentLimit, MAX_LINE_BYTES, MAX_MANIFEST_BYTES } from './limits.js';

const LINE_FEED = 0x0a;

/**
 * Splits decompressed content into lines, as bytes, so that a line's length limit is exact and
 * a line over it is refused before it is held whole (the first line, the manifest, has a limit of
 * its own); each line must be valid UTF-8, and the content no larger than its limit. Hands each
 * complete line, decoded once, to `onLine` with its number (from 1).
 */
export class LineSplitter {
  /** Bytes of the line not yet ended by a line feed. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private contentBytes = 0;
  private limit: number;
  /** Lines handed on so far. */
  lines = 0;

  constructor(
    private readonly where: string,
    private readonly bodyBytes: number,
    private readonly onLine: (text: string, lineNumber: number) => void,
  ) {
    this.limit = contentLimit(bodyBytes);
  }

  /** Whether bytes after the last line feed are waiting for the rest of their line. */
  get partial(): boolean {
    return this.heldBytes > 0;
  }

  /** Lowers the content limit to what `limit` allows (once the manifest has declared its lines). */
  setLimit(limit: number): void {
    this.limit = limit;
    this.checkContentBytes();
  }

  push(chunk: Buffer): void {
    this.contentBytes += chunk.length;
    this.checkContentBytes();
    let start = 0;
    if (this.heldBytes > 0) {
      const end = chunk.indexOf(LINE_FEED);
      if (end < 0) {
        this.hold(chunk);
        return;
      }
      this.hold(chunk.subarray(0, end + 1));
      const line = Buffer.concat(this.held, this.heldBytes);
      this.held = [];
      this.heldBytes = 0;
      this.completeLines(line);
      start = end + 1;
    }
    const last = chunk.lastIndexOf(LINE_FEED);
    if (last >= start) {
      this.completeLines(chunk.subarray(start, last + 1));
      start = last + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
  }

  /** Holds part of a line, refusing it as soon as it is longer than the limit (its line feed not counted). */
  private hold(bytes: Buffer): void {
    this.held.push(bytes);
    this.heldBytes += bytes.length;
    const lineBytes = bytes.at(-1) === LINE_FEED ? this.heldBytes - 1 : this.heldBytes;
    const limit = lineLimit(this.lines + 1);
    if (lineBytes > limit) {
      if (this.lines === 0) {
        throw packageError(
          'E_PACKAGE_NOT_A_PACKAGE',
          `${this.where}: not an async-client package: the first line is longer than ${limit} bytes`,
        );
      }
      throw this.limitError(`line ${this.lines + 1} is longer than ${limit} bytes`, this.lines);
    }
  }

  private checkContentBytes(): void {
    if (this.contentBytes > this.limit) {
      throw this.limitError(
        `the content is larger than ${this.limit} bytes, more than a body of ${this.bodyBytes} bytes may hold (docs/package-format.md, "Limits")`,
        this.lines,
      );
    }
  }

  /** Lines that each end with a line feed; their bytes are checked as UTF-8 once, then decoded once. */
  private completeLines(bytes: Buffer): void {
    if (!isUtf8(bytes)) this.encodingError(bytes);
    // A region longer than a limit may hold a line over it; regions a chunk long cannot.
    const checkLengths = bytes.length > MAX_MANIFEST_BYTES;
    const text = bytes.toString('utf8');
    let start = 0;
    let byteStart = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      const number = this.lines + 1;
      if (checkLengths) {
        const byteEnd = bytes.indexOf(LINE_FEED, byteStart);
        if (byteEnd - byteStart > lineLimit(number))
          throw this.limitError(`line ${number} is longer than ${lineLimit(number)} bytes`, number);
        byteStart = byteEnd + 1;
      }
      this.lines = number;
      this.onLine(text.slice(start, end), number);
      start = end + 1;
    }
  }

  private encodingError(bytes: Buffer): never {
    let line = this.lines;
    for (let start = 0; start < bytes.length; ) {
      const end = bytes.indexOf(LINE_FEED, start);
      line++;
      if (!isUtf8(bytes.subarray(start, end))) break;
      start = end + 1;
    }
    throw packageError('E_PACKAGE_ENCODING', `${this.where}: line ${line} is not valid UTF-8; a package holds UTF-8 text only`, { line });
  }

  private limitError(problem: string, line: number): Error {
    return packageError('E_PACKAGE_LIMIT', `${this.where}: ${problem}`, { line });
  }
}

/** The first line is the manifest, with a limit of its own. */
function lineLimit(lineNumber: number): number {
  return lineNumber <= 1 ? MAX_MANIFEST_BYTES : MAX_LINE_BYTES;
}
