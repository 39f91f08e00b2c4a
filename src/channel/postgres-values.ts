import { AsyncClientError } from '../errors.js';
import { isoTimestamp } from './iso-timestamp.js';
import { type CellValue, type ColumnType, Decimal } from '../package/types.js';
import type { PostgresColumn } from './postgres-schema.js';

/** Types for tables we create: exact decimals, 64-bit integers, instants, bytes, unicode text. */
const DECLARED: Readonly<Record<ColumnType, string>> = {
  string: 'text',
  integer: 'bigint',
  decimal: 'numeric',
  boolean: 'boolean',
  timestamp: 'timestamptz',
  binary: 'bytea',
};

export function postgresTypeFor(type: ColumnType): string {
  return DECLARED[type];
}

/**
 * Which existing column types (base type names) hold a package column without changing its
 * values. Narrower integers, `varchar(n)` and `numeric(p,s)` are accepted: a value that does
 * not fit is refused by row, naming it. Floats are never exact, `char(n)` pads.
 */
const COMPATIBLE: Readonly<Record<ColumnType, readonly string[]>> = {
  string: ['text', 'varchar', 'citext'],
  integer: ['int8', 'int4', 'int2', 'numeric'],
  decimal: ['numeric', 'text', 'varchar'],
  boolean: ['bool'],
  timestamp: ['timestamptz', 'timestamp'],
  binary: ['bytea'],
};

export function isPostgresCompatible(type: ColumnType, baseType: string): boolean {
  return COMPATIBLE[type].includes(baseType);
}

/** The package type an existing column's values travel as, for upload; anything unknown as its text. */
export function postgresColumnTypeOf(baseType: string): ColumnType {
  if (['int2', 'int4', 'int8'].includes(baseType)) return 'integer';
  if (['numeric', 'float4', 'float8', 'money'].includes(baseType)) return 'decimal';
  if (baseType === 'bool') return 'boolean';
  if (baseType === 'timestamptz' || baseType === 'timestamp') return 'timestamp';
  if (baseType === 'bytea') return 'binary';
  return 'string';
}

export function isPostgresInteger(baseType: string): boolean {
  return ['int2', 'int4', 'int8'].includes(baseType);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * One CellValue as a field of COPY's text format: `\N` for null, backslash escapes for text,
 * `\\x` hex for bytes, ISO 8601 UTC for instants. Refuses what the column would change:
 * a NUL in text, an integer past 64 bits, more decimals than `numeric(p,s)` keeps.
 */
export function toCopyField(value: CellValue, column: Pick<PostgresColumn, 'numericScale'> | undefined): string {
  if (value === null) return '\\N';
  if (typeof value === 'string') {
    if (value.includes('\u0000')) {
      throw new AsyncClientError('E_VALUE_UNREPRESENTABLE', 'the text holds a NUL character, which PostgreSQL text cannot store');
    }
    return escapeCopyText(value);
  }
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : escapeCopyText(String(value));
  if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > INT64_MAX) {
      throw new AsyncClientError('E_VALUE_RANGE', `integer ${value} does not fit the database's 64-bit integers`, { value: String(value) });
    }
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (value instanceof Decimal) {
    const point = value.text.indexOf('.');
    const scale = point < 0 ? 0 : value.text.length - point - 1;
    if (column?.numericScale != null && scale > column.numericScale) {
      throw new AsyncClientError(
        'E_VALUE_RANGE',
        `decimal ${value.text} has ${scale} digits after the point, more than the column's ${column.numericScale}: it would be rounded`,
        { value: value.text },
      );
    }
    return value.text;
  }
  if (value instanceof Date) return isoTimestamp(value.getTime());
  return `\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}

function escapeCopyText(text: string): string {
  return /[\\\n\r\t]/.test(text) ? text.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c] as string) : text;
}

const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** PostgreSQL's text output of a column of `type` (TimeZone UTC, DateStyle ISO) to a CellValue. */
export function fromPostgresText(text: string | null, type: ColumnType, where: string): CellValue {
  if (text === null) return null;
  switch (type) {
    case 'string':
      return text;
    case 'integer':
      if (/^-?\d+$/.test(text)) {
        const n = Number(text);
        return Number.isSafeInteger(n) ? n : BigInt(text);
      }
      break;
    case 'decimal':
      if (Decimal.PATTERN.test(text)) return new Decimal(text);
      break;
    case 'boolean':
      if (text === 't' || text === 'f') return text === 't';
      break;
    case 'timestamp': {
      const instant = commonInstant(text);
      if (instant !== null) return new Date(instant);
      const match = /^(\d{4,})-(\d\d)-(\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)(?:\+00)?$/.exec(text);
      if (match !== null && match[1]?.length === 4) {
        const time = Date.parse(`${match[1]}-${match[2]}-${match[3]}T${match[4]}Z`);
        if (!Number.isNaN(time)) return new Date(time);
      }
      break;
    }
    case 'binary':
      if (text.startsWith('\\x')) {
        const bytes = Buffer.from(text.slice(2), 'hex');
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      }
      break;
  }
  throw new AsyncClientError(
    'E_VALUE_UNREPRESENTABLE',
    `${where}: the value ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text)} cannot travel as ${type}; fix the row or the column's type`,
    { where, type },
  );
}

const DAY_TEXT = /^\d{4}-\d\d-\d\d$/;
let lastDay = '';
let lastDayMs = 0;

/**
 * The milliseconds of PostgreSQL's usual instant text (`2026-12-01 08:15:00.5+00`), or null to
 * leave it to the general path: read by hand, with Date.parse once per day, as an upload's rows
 * mostly share days (Date.parse on every value was a sixth of an upload's Node time). Digits past
 * the millisecond are cut, as Date.parse cuts them.
 */
function commonInstant(text: string): number | null {
  const end = text.endsWith('+00') ? text.length - 3 : text.length;
  if (end < 19 || text[10] !== ' ' || text[13] !== ':' || text[16] !== ':') return null;
  const hours = twoDigits(text, 11);
  const minutes = twoDigits(text, 14);
  const seconds = twoDigits(text, 17);
  if (hours > 23 || minutes > 59 || seconds > 59) return null;
  let millis = 0;
  if (end > 19) {
    if (text[19] !== '.' || end === 20 || end > 26) return null;
    for (let at = 20; at < end; at += 1) {
      const digit = text.charCodeAt(at) - 48;
      if (digit < 0 || digit > 9) return null;
      if (at < 23) millis += digit * 10 ** (22 - at);
    }
  }
  const day = text.slice(0, 10);
  if (day !== lastDay) {
    const ms = DAY_TEXT.test(day) ? Date.parse(`${day}T00:00:00Z`) : Number.NaN;
    if (Number.isNaN(ms)) return null;
    lastDay = day;
    lastDayMs = ms;
  }
  return lastDayMs + ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
}

/** Two decimal digits at `at`, or 99 (out of every range) when they are not. */
function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 48;
  const ones = text.charCodeAt(at + 1) - 48;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : 99;
}
