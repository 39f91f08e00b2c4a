import { Decimal, type CellValue, type ColumnSpec } from './types.js';
import { VALUE_CODECS, type ValueCodec } from './values.js';
import type { PackedValueTarget, ScannedRow } from './upsert-taker.js';

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const DIGIT_9 = 0x39;
const LETTER_F = 0x66;
const LETTER_N = 0x6e;
const LETTER_T = 0x74;
/** What JSON.parse would unescape or refuse in a string. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON strings may not hold raw
const ESCAPE_OR_CONTROL = /[\\\u0000-\u001f]/;
/** Up to 15 digits a JSON integer is a safe integer, and a timestamp within ±8.64e15 ms. */
const MAX_DIGITS = 15;

const STRING = 0;
const INTEGER = 1;
const TIMESTAMP = 2;
const BOOLEAN = 3;
const DECIMAL = 4;
const BINARY = 5;
const KINDS: Readonly<Record<ColumnSpec['type'], number>> = {
  string: STRING,
  integer: INTEGER,
  timestamp: TIMESTAMP,
  boolean: BOOLEAN,
  decimal: DECIMAL,
  binary: BINARY,
};
const BINARY_CODEC: ValueCodec = VALUE_CODECS.binary;

/**
 * Reads the usual upsert line, a JSON array of plain values without spaces or escapes, checked as
 * TableCodec.decodeUpsert checks them, in one pass over the line that makes nothing: each value's
 * place or number is kept in per-column scratch, from which `values` makes the row's values, or
 * `writeTo` hands them to a consumer's own form (an UpsertTaker's, without a value object made).
 * The reason is the apply's speed: JSON.parse makes an array and internalizes every short string
 * (prices, categories) in the isolate's string table, then each value is checked and converted
 * again (docs/benchmarks.md, issue 10, fifth and twenty-third rounds).
 *
 * Whatever is not read here (spaces, escapes, numbers with a fraction or an exponent or more
 * than 15 digits, integers as strings, a value that does not fit its column, anything after the
 * closing bracket) makes `scan` return false: the caller then parses the line with JSON.parse
 * and decodes it, so that every refusal keeps its code and message, and every line read here
 * means what that slow path makes of it (a fast-check property test compares them).
 */
export class FlatRowReader implements ScannedRow {
  private readonly kinds: readonly number[];
  private readonly nullable: readonly boolean[];
  private readonly isNull: Uint8Array;
  private readonly numbers: Float64Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private line = '';

  constructor(columns: readonly ColumnSpec[]) {
    this.kinds = columns.map((column) => KINDS[column.type]);
    this.nullable = columns.map((column) => column.nullable);
    this.isNull = new Uint8Array(columns.length);
    this.numbers = new Float64Array(columns.length);
    this.starts = new Int32Array(columns.length);
    this.ends = new Int32Array(columns.length);
  }

  /** Whether `writeTo` can hand over every value: a binary column's base64 is decoded into bytes only by `values`. */
  get writable(): boolean {
    return !this.kinds.includes(BINARY);
  }

  /** The row's values, or undefined when the line is to be parsed by JSON.parse. */
  read(line: string): CellValue[] | undefined {
    return this.scan(line) ? this.values() : undefined;
  }

  /** Reads the line into the scratch; false when it is to be parsed by JSON.parse. */
  scan(line: string): boolean {
    if (line.charCodeAt(0) !== OPEN_BRACKET || ESCAPE_OR_CONTROL.test(line)) return false;
    this.line = line;
    const count = this.kinds.length;
    let at = 1;
    for (let i = 0; i < count; i++) {
      const end = this.scanValue(line, at, i);
      if (end < 0 || line.charCodeAt(end) !== (i === count - 1 ? CLOSE_BRACKET : COMMA)) return false;
      at = end + 1;
    }
    return at === line.length;
  }

  /** The values of the line scanned last. */
  values(): CellValue[] | undefined {
    const count = this.kinds.length;
    const values = new Array<CellValue>(count);
    for (let i = 0; i < count; i++) {
      if (this.isNull[i] === 1) {
        values[i] = null;
        continue;
      }
      const number = this.numbers[i] as number;
      switch (this.kinds[i]) {
        case INTEGER:
          values[i] = number;
          break;
        case TIMESTAMP:
          values[i] = new Date(number);
          break;
        case BOOLEAN:
          values[i] = number === 1;
          break;
        case DECIMAL:
          values[i] = new Decimal(this.text(i));
          break;
        case BINARY:
          try {
            values[i] = BINARY_CODEC.decode(this.text(i));
          } catch {
            return undefined;
          }
          break;
        default:
          values[i] = this.text(i);
      }
    }
    return values;
  }

  /** The value of key column `i` of the line scanned last, as `values` makes it: an integer or string key. */
  keyValue(i: number): CellValue {
    return this.isNull[i] === 1 ? null : this.kinds[i] === INTEGER ? (this.numbers[i] as number) : this.text(i);
  }

  writeTo(target: PackedValueTarget): void {
    const { line } = this;
    for (let i = 0; i < this.kinds.length; i++) {
      if (this.isNull[i] === 1) {
        target.null();
        continue;
      }
      const number = this.numbers[i] as number;
      switch (this.kinds[i]) {
        case INTEGER:
          target.integer(number);
          break;
        case TIMESTAMP:
          target.timestamp(number);
          break;
        case BOOLEAN:
          target.boolean(number === 1);
          break;
        default:
          target.text(line, this.starts[i] as number, this.ends[i] as number);
      }
    }
  }

  private text(i: number): string {
    return this.line.slice(this.starts[i], this.ends[i]);
  }

  /** Reads the value of column `i` at `at` into the scratch; returns where it ended, or -1 when it is not read here. */
  private scanValue(line: string, at: number, i: number): number {
    const first = line.charCodeAt(at);
    this.isNull[i] = 0;
    if (first === LETTER_N) {
      this.isNull[i] = 1;
      return this.nullable[i] === true && line.startsWith('null', at) ? at + 4 : -1;
    }
    switch (this.kinds[i]) {
      case INTEGER:
      case TIMESTAMP:
        return this.scanInteger(line, at, i);
      case BOOLEAN:
        if (first === LETTER_T && line.startsWith('true', at)) {
          this.numbers[i] = 1;
          return at + 4;
        }
        this.numbers[i] = 0;
        return first === LETTER_F && line.startsWith('false', at) ? at + 5 : -1;
      case DECIMAL: {
        const end = this.scanString(line, at, i);
        return end >= 0 && isDecimalText(line, at + 1, end - 1) ? end : -1;
      }
      default:
        return this.scanString(line, at, i);
    }
  }

  /** A string; the line holds no escape or control character (`scan` checked), so its text is the slice. */
  private scanString(line: string, at: number, i: number): number {
    if (line.charCodeAt(at) !== QUOTE) return -1;
    const close = line.indexOf('"', at + 1);
    if (close < 0) return -1;
    this.starts[i] = at + 1;
    this.ends[i] = close;
    return close + 1;
  }

  /** `-?(0|[1-9][0-9]*)` of at most 15 digits, without fraction or exponent; -0 reads as 0, as the codec makes it. */
  private scanInteger(line: string, at: number, i: number): number {
    const negative = line.charCodeAt(at) === MINUS;
    const start = negative ? at + 1 : at;
    let n = 0;
    let end = start;
    for (let c = line.charCodeAt(end); c >= DIGIT_0 && c <= DIGIT_9; c = line.charCodeAt(++end)) n = n * 10 + (c - DIGIT_0);
    const digits = end - start;
    if (digits === 0 || digits > MAX_DIGITS || (digits > 1 && line.charCodeAt(start) === DIGIT_0)) return -1;
    const c = line.charCodeAt(end);
    if (c === DOT || c === 0x65 || c === 0x45) return -1;
    this.numbers[i] = negative ? 0 - n : n;
    return end;
  }
}

/** Decimal.PATTERN, `-?(0|[1-9]\d*)(\.\d+)?`, over `line` from `start` to `end`, without the slice. */
function isDecimalText(line: string, start: number, end: number): boolean {
  let at = line.charCodeAt(start) === MINUS ? start + 1 : start;
  const first = line.charCodeAt(at);
  if (first === DIGIT_0) at += 1;
  else if (first >= DIGIT_1 && first <= DIGIT_9) at = skipDigits(line, at + 1, end);
  else return false;
  if (at === end) return true;
  if (line.charCodeAt(at) !== DOT) return false;
  const fraction = at + 1;
  return fraction < end && skipDigits(line, fraction, end) === end;
}

function skipDigits(line: string, at: number, end: number): number {
  let next = at;
  while (next < end && line.charCodeAt(next) >= DIGIT_0 && line.charCodeAt(next) <= DIGIT_9) next++;
  return next;
}
