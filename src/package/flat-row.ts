import type { CellValue, ColumnSpec } from './types.js';
import { VALUE_CODECS, type ValueCodec } from './values.js';

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LETTER_F = 0x66;
const LETTER_N = 0x6e;
const LETTER_T = 0x74;
/** What JSON.parse would unescape or refuse in a string. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON strings may not hold raw
const ESCAPE_OR_CONTROL = /[\\\u0000-\u001f]/;
/** Up to 15 digits a JSON integer is a safe integer, and a timestamp within ±8.64e15 ms. */
const MAX_DIGITS = 15;

/** Where the value read ended, and the value. */
let end = 0;
let value: CellValue = null;

/**
 * Reads the usual upsert line, a JSON array of plain values without spaces or escapes, straight
 * into its columns' values, checked as TableCodec.decodeUpsert checks them. The reason is the
 * apply's speed: JSON.parse makes an array and internalizes every short string (prices,
 * categories) in the isolate's string table, then each value is checked and converted again;
 * here one pass over the line does both (docs/benchmarks.md, issue 10, fifth round).
 *
 * Whatever is not read here (spaces, escapes, numbers with a fraction or an exponent or more
 * than 15 digits, integers as strings, a value that does not fit its column, anything after the
 * closing bracket) makes `read` return undefined: the caller then parses the line with
 * JSON.parse and decodes it, so that every refusal keeps its code and message, and every line
 * read here means what that slow path makes of it (a fast-check property test compares them).
 */
export class FlatRowReader {
  private readonly types: readonly number[];
  private readonly nullable: readonly boolean[];
  private readonly codecs: readonly ValueCodec[];

  constructor(columns: readonly ColumnSpec[]) {
    this.types = columns.map((column) => KINDS[column.type]);
    this.nullable = columns.map((column) => column.nullable);
    this.codecs = columns.map((column) => VALUE_CODECS[column.type]);
  }

  /** The row's values, or undefined when the line is to be parsed by JSON.parse. */
  read(line: string): CellValue[] | undefined {
    if (line.charCodeAt(0) !== OPEN_BRACKET || ESCAPE_OR_CONTROL.test(line)) return undefined;
    const count = this.types.length;
    const values = new Array<CellValue>(count);
    let at = 1;
    for (let i = 0; i < count; i++) {
      if (!this.readValue(line, at, i)) return undefined;
      values[i] = value;
      const next = line.charCodeAt(end);
      if (next !== (i === count - 1 ? CLOSE_BRACKET : COMMA)) return undefined;
      at = end + 1;
    }
    return at === line.length ? values : undefined;
  }

  /** Reads the value of column `i` at `at` into `value` and `end`; false when it is not read here. */
  private readValue(line: string, at: number, i: number): boolean {
    const first = line.charCodeAt(at);
    if (first === LETTER_N) {
      value = null;
      end = at + 4;
      return this.nullable[i] === true && line.startsWith('null', at);
    }
    switch (this.types[i]) {
      case STRING:
        return readString(line, at);
      case INTEGER:
        return readInteger(line, at);
      case TIMESTAMP:
        if (!readInteger(line, at)) return false;
        value = new Date(value as number);
        return true;
      case BOOLEAN:
        if (first === LETTER_T && line.startsWith('true', at)) {
          value = true;
          end = at + 4;
          return true;
        }
        value = false;
        end = at + 5;
        return first === LETTER_F && line.startsWith('false', at);
      default:
        return readString(line, at) && decodes(this.codecs[i] as ValueCodec, value as string);
    }
  }
}

const STRING = 0;
const INTEGER = 1;
const TIMESTAMP = 2;
const BOOLEAN = 3;
const OTHER = 4;
const KINDS: Readonly<Record<ColumnSpec['type'], number>> = {
  string: STRING,
  integer: INTEGER,
  timestamp: TIMESTAMP,
  boolean: BOOLEAN,
  decimal: OTHER,
  binary: OTHER,
};

/** A string; the line holds no escape or control character (`read` checked), so its text is the slice. */
function readString(line: string, at: number): boolean {
  if (line.charCodeAt(at) !== QUOTE) return false;
  const close = line.indexOf('"', at + 1);
  if (close < 0) return false;
  value = line.slice(at + 1, close);
  end = close + 1;
  return true;
}

/** `-?(0|[1-9][0-9]*)` of at most 15 digits, without fraction or exponent; -0 reads as 0, as the codec makes it. */
function readInteger(line: string, at: number): boolean {
  const negative = line.charCodeAt(at) === MINUS;
  const start = negative ? at + 1 : at;
  let n = 0;
  let i = start;
  for (let c = line.charCodeAt(i); c >= DIGIT_0 && c <= DIGIT_9; c = line.charCodeAt(++i)) n = n * 10 + (c - DIGIT_0);
  const digits = i - start;
  if (digits === 0 || digits > MAX_DIGITS || (digits > 1 && line.charCodeAt(start) === DIGIT_0)) return false;
  const c = line.charCodeAt(i);
  if (c === DOT || c === 0x65 || c === 0x45) return false;
  value = negative ? 0 - n : n;
  end = i;
  return true;
}

/** A string-carried value of another type, decoded by its codec; false (the slow path names the problem) when it does not fit. */
function decodes(codec: ValueCodec, text: string): boolean {
  try {
    value = codec.decode(text);
    return true;
  } catch {
    return false;
  }
}
