import { checkEpochMs, integerFromText, VALUE_CODECS, ValueError, type WireValue } from '../../package/values.js';
import { Decimal, type CellValue, type ColumnType } from '../../package/index.js';

/**
 * The text forms the pack and unpack tools use for values in CSV and JSON Lines files
 * (docs/package-format.md, "Package tools"), converted straight to and from the wire forms of
 * values.ts: pack never builds a Decimal or a Date for a value it only checks and passes on.
 */

/** Converts one present (non-null) input value of a column; throws ValueError. */
export type WireConverter<T> = (value: T) => WireValue;

/** Years 0000–9999, or ±YYYYYY (ECMAScript's expanded years, as unpack writes them beyond 9999 or before 0). */
const ISO_TIMESTAMP = /^(\d{4}|[+-]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const EPOCH_MS = /^-?\d{1,16}$/;
/** At most 15 digits: always a safe integer, so Number() is exact and no BigInt is needed. */
const SMALL_INTEGER = /^-?(0|[1-9]\d{0,14})$/;
const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = { true: true, false: false, '1': true, '0': false };

function epochFromIso(text: string): number {
  if (!ISO_TIMESTAMP.test(text))
    throw new ValueError(`expected an ISO 8601 timestamp with a time zone, or epoch milliseconds; got ${JSON.stringify(text)}`);
  return checkEpochMs(Date.parse(text));
}

function integerWire(text: string): WireValue {
  if (SMALL_INTEGER.test(text)) return Number(text);
  const value = integerFromText(text);
  return typeof value === 'number' ? value : value.toString();
}

function decimalWire(text: string): string {
  if (!Decimal.PATTERN.test(text)) throw new ValueError(`expected a decimal, got the text ${JSON.stringify(text)}`);
  return text;
}

function binaryWire(text: string): string {
  VALUE_CODECS.binary.decode(text);
  return text;
}

function expected(what: string, value: unknown): ValueError {
  return new ValueError(`expected ${what}, got ${value === null ? 'null' : typeof value}`);
}

const FROM_TEXT: Readonly<Record<ColumnType, WireConverter<string>>> = {
  string: (text) => text,
  integer: integerWire,
  decimal: decimalWire,
  boolean: (text) => {
    const value = BOOLEAN_TEXT[text.toLowerCase()];
    if (value === undefined) throw new ValueError(`expected true, false, 1 or 0; got ${JSON.stringify(text)}`);
    return value;
  },
  timestamp: (text) => (EPOCH_MS.test(text) ? checkEpochMs(Number(text)) : epochFromIso(text)),
  binary: binaryWire,
};

const FROM_JSON: Readonly<Record<ColumnType, WireConverter<unknown>>> = {
  // JSON escapes can spell a lone surrogate, which the reader refuses: the codec's check keeps pack from writing it.
  string: (value) => {
    if (typeof value !== 'string') throw expected('a string', value);
    return VALUE_CODECS.string.encode(value);
  },
  integer: (value) => {
    if (typeof value === 'string') return integerWire(value);
    return VALUE_CODECS.integer.decode(value) as number;
  },
  decimal: (value) => {
    if (typeof value !== 'string') throw expected('a decimal as a string', value);
    return decimalWire(value);
  },
  boolean: (value) => {
    if (typeof value !== 'boolean') throw expected('a boolean', value);
    return value;
  },
  timestamp: (value) => {
    if (typeof value === 'string') return epochFromIso(value);
    if (typeof value !== 'number') throw expected('a timestamp as epoch milliseconds or ISO 8601', value);
    return checkEpochMs(value);
  },
  binary: (value) => {
    if (typeof value !== 'string') throw expected('binary as a base64 string', value);
    return binaryWire(value);
  },
};

/** How a CSV field (never empty: an empty unquoted field is null) of `type` becomes a wire value. */
export function wireFromText(type: ColumnType): WireConverter<string> {
  return FROM_TEXT[type];
}

/** How a JSON Lines value (not null) of `type` becomes a wire value; a timestamp may be ISO 8601 text. */
export function wireFromJson(type: ColumnType): WireConverter<unknown> {
  return FROM_JSON[type];
}

/** The JSON form unpack writes, which pack reads back: exact, and readable where JSON allows. */
export function cellToJson(type: ColumnType, value: CellValue): string | number | boolean | null {
  if (value === null) return null;
  if (type === 'timestamp') return (value as Date).toISOString();
  return VALUE_CODECS[type].encode(value);
}
