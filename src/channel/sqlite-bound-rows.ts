import type { CellValue } from '../package/types.js';
import type { PackedValueTarget, ScannedRow } from '../package/upsert-taker.js';
import { writeIsoTimestamp } from './iso-timestamp.js';
import type { Binder } from './sqlite-row-writer.js';
import type { SqliteValue } from './sqlite-values.js';

/** Where a table's rows lie in a BoundRows: `count` rows from package row `first`. */
export interface BoundRowsPart {
  readonly target: number;
  readonly first: number;
  count: number;
}

/**
 * Bound rows as they cross to the writer thread: a tag a value, numbers and strings' byte lengths
 * in one typed array, the strings' bytes in one buffer, all in shared memory: posting them copies
 * nothing, where an array of values would be cloned value by value (docs/benchmarks.md, issue 10,
 * fifteenth round).
 */
export interface BoundRows {
  readonly parts: readonly BoundRowsPart[];
  /**
   * Per value, its TAG: NULL; NUMBER, in `numbers`; STRING as UTF-8, or ASCII, its bytes in `text`
   * and their count in `numbers`; OTHER, in `others`.
   */
  readonly tags: Uint8Array;
  readonly numbers: Float64Array;
  readonly text: Uint8Array;
  /** Bigints and Buffers, in order: rare, cloned as they are. */
  readonly others: readonly (bigint | Buffer)[];
}

/** A value's tag in BoundRows.tags: where the writer finds it. */
export const TAG = { NULL: 0, NUMBER: 1, STRING: 2, OTHER: 3, ASCII: 4 } as const;
const FIRST_NON_ASCII = 0x80;
const INITIAL_VALUES = 16 * 1024;
const INITIAL_TEXT_BYTES = 256 * 1024;
/** The most UTF-8 bytes one UTF-16 code unit takes. */
const MAX_BYTES_PER_UNIT = 3;
/** `+275760-09-13T00:00:00.000Z`, the longest text a timestamp takes. */
const MAX_TIMESTAMP_BYTES = 27;

/**
 * Builds BoundRows, one after the other, into shared buffers allocated once (grown when a
 * transaction needs more): `build` gives views of them, which the writer reads until it answers;
 * the caller appends again only after that. Each new buffer would count towards V8's external
 * memory, and strings kept until the transaction is sent would keep the package text they were
 * sliced from alive through the young generation's collections, so strings are written as bytes
 * as they come (docs/benchmarks.md, issue 10, fifteenth round).
 */
export class BoundRowsBuilder implements PackedValueTarget {
  private parts: BoundRowsPart[] = [];
  private tags = sharedTags(INITIAL_VALUES);
  private numbers = sharedNumbers(INITIAL_VALUES);
  private bytes = sharedText(INITIAL_TEXT_BYTES);
  private textBytes = 0;
  private others: (bigint | Buffer)[] = [];
  private size = 0;

  /** Row `row` of the package's table for `target`: its values as `binders` bind them, after `row` itself when `numbered`. */
  append(target: number, values: readonly CellValue[], binders: readonly Binder[], row: number, numbered: boolean): void {
    this.startRow(target, row, values.length, numbered);
    for (let c = 0; c < values.length; c++) this.add((binders[c] as Binder)(values[c] as CellValue));
  }

  /** The same for a row scanned from its line, its `width` values written as the binders would bind them (`bindsScannedRows`). */
  appendScanned(target: number, scanned: ScannedRow, width: number, row: number, numbered: boolean): void {
    this.startRow(target, row, width, numbered);
    scanned.writeTo(this);
  }

  build(): BoundRows {
    return {
      parts: this.parts,
      tags: this.tags.subarray(0, this.size),
      numbers: this.numbers.subarray(0, this.size),
      text: this.bytes.subarray(0, this.textBytes),
      others: this.others,
    };
  }

  /** The shared memory its buffers hold. */
  get sharedBytes(): number {
    return this.tags.byteLength + this.numbers.byteLength + this.bytes.byteLength;
  }

  clear(): void {
    this.parts = [];
    this.others = [];
    this.size = 0;
    this.textBytes = 0;
  }

  null(): void {
    this.tags[this.size++] = TAG.NULL;
  }

  integer(value: number): void {
    this.number(value);
  }

  boolean(value: boolean): void {
    this.number(value ? 1 : 0);
  }

  timestamp(ms: number): void {
    this.roomForText(MAX_TIMESTAMP_BYTES);
    this.textWritten(TAG.ASCII, writeIsoTimestamp(ms, this.bytes, this.textBytes));
  }

  /** Written as its bytes, ASCII (most strings) by a loop, which costs less here than the encoder's call. */
  text(line: string, start: number, end: number): void {
    const length = end - start;
    this.roomForText(length * MAX_BYTES_PER_UNIT);
    const { bytes } = this;
    const base = this.textBytes;
    for (let i = 0; i < length; i++) {
      const code = line.charCodeAt(start + i);
      if (code >= FIRST_NON_ASCII) {
        this.textWritten(TAG.STRING, bytes.write(line.slice(start, end), base, 'utf8'));
        return;
      }
      bytes[base + i] = code;
    }
    this.textWritten(TAG.ASCII, length);
  }

  private roomForText(bytes: number): void {
    if (this.textBytes + bytes > this.bytes.length) this.growText(bytes);
  }

  /** The next value: `length` bytes just written at the end of the text. */
  private textWritten(tag: number, length: number): void {
    const at = this.size++;
    this.tags[at] = tag;
    this.numbers[at] = length;
    this.textBytes += length;
  }

  private startRow(target: number, row: number, width: number, numbered: boolean): void {
    const last = this.parts.at(-1);
    if (last !== undefined && last.target === target && last.first + last.count === row) last.count += 1;
    else this.parts.push({ target, first: row, count: 1 });
    const values = width + (numbered ? 1 : 0);
    if (this.size + values > this.tags.length) this.growValues(this.size + values);
    if (numbered) this.number(row);
  }

  private number(value: number): void {
    const at = this.size++;
    this.tags[at] = TAG.NUMBER;
    this.numbers[at] = value;
  }

  private add(value: SqliteValue): void {
    if (typeof value === 'number') this.number(value);
    else if (typeof value === 'string') this.text(value, 0, value.length);
    else if (value === null) this.null();
    else {
      this.tags[this.size++] = TAG.OTHER;
      this.others.push(value);
    }
  }

  private growValues(needed: number): void {
    const length = Math.max(needed, this.tags.length * 2);
    const tags = sharedTags(length);
    tags.set(this.tags);
    const numbers = sharedNumbers(length);
    numbers.set(this.numbers);
    this.tags = tags;
    this.numbers = numbers;
  }

  private growText(more: number): void {
    const bytes = sharedText(Math.max(this.textBytes + more, this.bytes.length * 2));
    this.bytes.copy(bytes, 0, 0, this.textBytes);
    this.bytes = bytes;
  }
}

function sharedTags(values: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(values));
}

function sharedNumbers(values: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(values * Float64Array.BYTES_PER_ELEMENT));
}

function sharedText(bytes: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(bytes));
}
