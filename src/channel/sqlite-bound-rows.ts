import type { CellValue } from '../package/types.js';
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

/**
 * Builds BoundRows, one after the other, into shared buffers allocated once (grown when a
 * transaction needs more): `build` gives views of them, which the writer reads until it answers;
 * the caller appends again only after that. Each new buffer would count towards V8's external
 * memory, and strings kept until the transaction is sent would keep the package text they were
 * sliced from alive through the young generation's collections, so strings are written as bytes
 * as they come (docs/benchmarks.md, issue 10, fifteenth round).
 */
export class BoundRowsBuilder {
  private parts: BoundRowsPart[] = [];
  private tags = new Uint8Array(new SharedArrayBuffer(INITIAL_VALUES));
  private numbers = new Float64Array(new SharedArrayBuffer(INITIAL_VALUES * Float64Array.BYTES_PER_ELEMENT));
  private text = Buffer.from(new SharedArrayBuffer(INITIAL_TEXT_BYTES));
  private textBytes = 0;
  private others: (bigint | Buffer)[] = [];
  private size = 0;

  /** Row `row` of the package's table for `target`: its values as `binders` bind them. */
  append(target: number, values: readonly CellValue[], binders: readonly Binder[], row: number): void {
    const last = this.parts.at(-1);
    if (last !== undefined && last.target === target && last.first + last.count === row) last.count += 1;
    else this.parts.push({ target, first: row, count: 1 });
    if (this.size + values.length > this.tags.length) this.growValues(this.size + values.length);
    for (let c = 0; c < values.length; c++) this.add((binders[c] as Binder)(values[c] as CellValue));
  }

  build(): BoundRows {
    return {
      parts: this.parts,
      tags: this.tags.subarray(0, this.size),
      numbers: this.numbers.subarray(0, this.size),
      text: this.text.subarray(0, this.textBytes),
      others: this.others,
    };
  }

  clear(): void {
    this.parts = [];
    this.others = [];
    this.size = 0;
    this.textBytes = 0;
  }

  private add(value: SqliteValue): void {
    const at = this.size++;
    if (typeof value === 'number') {
      this.tags[at] = TAG.NUMBER;
      this.numbers[at] = value;
    } else if (typeof value === 'string') {
      if (this.textBytes + value.length * MAX_BYTES_PER_UNIT > this.text.length) this.growText(value.length * MAX_BYTES_PER_UNIT);
      const ascii = this.writeAscii(value);
      this.tags[at] = ascii ? TAG.ASCII : TAG.STRING;
      const written = ascii ? value.length : this.text.write(value, this.textBytes, 'utf8');
      this.numbers[at] = written;
      this.textBytes += written;
    } else if (value === null) {
      this.tags[at] = TAG.NULL;
    } else {
      this.tags[at] = TAG.OTHER;
      this.others.push(value);
    }
  }

  /** Writes `value` at the end of the text if every character is ASCII (most are): a loop costs less here than the encoder's call. */
  private writeAscii(value: string): boolean {
    const { text } = this;
    const at = this.textBytes;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code >= FIRST_NON_ASCII) return false;
      text[at + i] = code;
    }
    return true;
  }

  private growValues(needed: number): void {
    const length = Math.max(needed, this.tags.length * 2);
    const tags = new Uint8Array(new SharedArrayBuffer(length));
    tags.set(this.tags);
    const numbers = new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
    numbers.set(this.numbers);
    this.tags = tags;
    this.numbers = numbers;
  }

  private growText(more: number): void {
    const text = Buffer.from(new SharedArrayBuffer(Math.max(this.textBytes + more, this.text.length * 2)));
    this.text.copy(text, 0, 0, this.textBytes);
    this.text = text;
  }
}
