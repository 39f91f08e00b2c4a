import { isWellFormedText } from './json-text.js';
import { Decimal, type CellValue, type ColumnType } from './types.js';

/** What a value looks like on the wire: the JSON a row array holds. */
export type WireValue = string | number | boolean | null;

/** A value that does not fit its column; the caller adds table, row and column to the message. */
export class ValueError extends Error {}

/** Encodes and decodes the values of one column type; see "Values" in docs/package-format.md. */
export interface ValueCodec {
  encode(value: CellValue): WireValue;
  decode(wire: unknown): CellValue;
  /** Canonical text of a decoded value, used to compare primary keys. */
  keyText(value: CellValue): string;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?(0|[1-9]\d*)$/;
/** Date's own range: ±8.64e15 ms around the epoch. */
const MAX_EPOCH_MS = 8.64e15;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'binary';
  if (value instanceof Date) return 'Date';
  if (value instanceof Decimal) return 'Decimal';
  return typeof value;
}

function mismatch(expected: string, value: unknown): ValueError {
  return new ValueError(`expected ${expected}, got ${describe(value)}`);
}

const stringCodec: ValueCodec = {
  encode(value) {
    if (typeof value !== 'string') throw mismatch('a string', value);
    if (!isWellFormedText(value)) throw new ValueError('the string holds a lone surrogate, which is not Unicode text');
    return value;
  },
  decode(wire) {
    if (typeof wire !== 'string') throw mismatch('a string', wire);
    return wire;
  },
  keyText: (value) => value as string,
};

/** An integer's canonical decimal text as a number when safe, else a bigint; ValueError outside 64 bits. */
export function integerFromText(text: string): number | bigint {
  if (!INTEGER_TEXT.test(text)) throw new ValueError(`expected an integer, got the text ${JSON.stringify(text)}`);
  const big = BigInt(text);
  if (big < INT64_MIN || big > INT64_MAX) throw new ValueError(`integer ${text} is outside the signed 64-bit range`);
  const small = Number(big);
  return Number.isSafeInteger(small) ? small : big;
}

const integerCodec: ValueCodec = {
  encode(value) {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new ValueError(`expected a safe integer or a bigint, got ${value}`);
      return value;
    }
    if (typeof value === 'bigint') {
      if (value < INT64_MIN || value > INT64_MAX) throw new ValueError(`integer ${value} is outside the signed 64-bit range`);
      const small = Number(value);
      return Number.isSafeInteger(small) ? small : value.toString();
    }
    throw mismatch('an integer', value);
  },
  decode(wire) {
    if (typeof wire === 'number') {
      if (!Number.isSafeInteger(wire)) {
        throw new ValueError(`integer ${wire} is not exact as a JSON number; write integers beyond ±(2^53-1) as strings`);
      }
      return wire + 0; // -0 is 0
    }
    if (typeof wire === 'string') return integerFromText(wire);
    throw mismatch('an integer', wire);
  },
  keyText: (value) => String(value),
};

const decimalCodec: ValueCodec = {
  encode(value) {
    if (!(value instanceof Decimal)) throw mismatch('a Decimal', value);
    return value.text;
  },
  decode(wire) {
    if (typeof wire !== 'string') throw mismatch('a decimal as a string', wire);
    try {
      return new Decimal(wire);
    } catch {
      throw new ValueError(`expected a decimal, got the text ${JSON.stringify(wire)}`);
    }
  },
  keyText: (value) => (value as Decimal).text,
};

const booleanCodec: ValueCodec = {
  encode(value) {
    if (typeof value !== 'boolean') throw mismatch('a boolean', value);
    return value;
  },
  decode(wire) {
    if (typeof wire !== 'boolean') throw mismatch('a boolean', wire);
    return wire;
  },
  keyText: (value) => (value ? 'true' : 'false'),
};

export function checkEpochMs(ms: number): number {
  if (!Number.isInteger(ms) || Math.abs(ms) > MAX_EPOCH_MS) {
    throw new ValueError(`expected a timestamp in whole milliseconds within ±8.64e15, got ${ms}`);
  }
  return ms;
}

const timestampCodec: ValueCodec = {
  encode(value) {
    if (!(value instanceof Date)) throw mismatch('a Date', value);
    return checkEpochMs(value.getTime());
  },
  decode(wire) {
    if (typeof wire !== 'number') throw mismatch('a timestamp as epoch milliseconds', wire);
    return new Date(checkEpochMs(wire));
  },
  keyText: (value) => String((value as Date).getTime()),
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const binaryCodec: ValueCodec = {
  encode(value) {
    if (!(value instanceof Uint8Array)) throw mismatch('a Uint8Array', value);
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  },
  decode(wire) {
    if (typeof wire !== 'string') throw mismatch('binary as a base64 string', wire);
    if (!BASE64.test(wire)) throw new ValueError('expected binary as padded standard base64');
    const bytes = Buffer.from(wire, 'base64');
    // Reject non-canonical encodings (stray bits in the last character) so that equal bytes have one spelling.
    if (bytes.toString('base64') !== wire) throw new ValueError('expected binary as canonical base64');
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  },
  keyText: (value) => Buffer.from(value as Uint8Array).toString('base64'),
};

export const VALUE_CODECS: Readonly<Record<ColumnType, ValueCodec>> = {
  string: stringCodec,
  integer: integerCodec,
  decimal: decimalCodec,
  boolean: booleanCodec,
  timestamp: timestampCodec,
  binary: binaryCodec,
};

export const COLUMN_TYPES: readonly ColumnType[] = Object.keys(VALUE_CODECS) as ColumnType[];
