import { AsyncClientError } from '../errors.js';
import { Decimal, type CellValue, type ColumnType } from '../package/types.js';
import { isoTimestamp } from './iso-timestamp.js';

/** What better-sqlite3 binds and returns (integers as bigint: statements run with safeIntegers). */
export type SqliteValue = string | number | bigint | Buffer | null;

/** SQLite's column affinity, from the declared type by SQLite's own rules (datatype3.html, 3.1). */
export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

export function affinityOf(declaredType: string): Affinity {
  const type = declaredType.toUpperCase();
  if (type.includes('INT')) return 'INTEGER';
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return 'TEXT';
  if (type.includes('BLOB') || type === '') return 'BLOB';
  if (type.includes('REAL') || type.includes('FLOA') || type.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

/**
 * Declared types for tables we create. Decimals and timestamps get TEXT affinity
 * (the names contain TEXT) so SQLite never turns `12.50` into the float 12.5.
 */
const DECLARED: Readonly<Record<ColumnType, string>> = {
  string: 'TEXT',
  integer: 'INTEGER',
  decimal: 'DECIMAL_TEXT',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP_TEXT',
  binary: 'BLOB',
};

export function declaredTypeFor(type: ColumnType): string {
  return DECLARED[type];
}

/**
 * Which existing columns can hold a package column without changing its values. An untyped
 * column (BLOB affinity) holds anything; a NUMERIC or REAL column declared by the POS for
 * money keeps decimals as SQLite numbers, by the POS's own choice.
 */
const COMPATIBLE: Readonly<Record<ColumnType, readonly Affinity[]>> = {
  string: ['TEXT', 'BLOB'],
  integer: ['INTEGER', 'NUMERIC', 'BLOB'],
  decimal: ['TEXT', 'NUMERIC', 'REAL', 'BLOB'],
  boolean: ['INTEGER', 'NUMERIC', 'BLOB'],
  timestamp: ['TEXT', 'NUMERIC', 'BLOB'],
  binary: ['BLOB'],
};

export function isCompatible(type: ColumnType, declaredType: string): boolean {
  return COMPATIBLE[type].includes(affinityOf(declaredType));
}

/** The package type an existing column's values travel as, for upload. */
export function columnTypeOf(declaredType: string): ColumnType {
  const type = declaredType.toUpperCase();
  const affinity = affinityOf(type);
  if (type.includes('BOOL')) return 'boolean';
  if (affinity === 'INTEGER') return 'integer';
  if (type.includes('DATE') || type.includes('TIME')) return 'timestamp';
  if (affinity === 'REAL' || affinity === 'NUMERIC' || type.includes('DEC')) return 'decimal';
  if (affinity === 'TEXT') return 'string';
  return 'binary';
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * CellValue to SQLite: integers as 64-bit INTEGER (bigint, range-checked), Decimal as its
 * exact TEXT, boolean as 0/1, Date as ISO 8601 UTC TEXT, Uint8Array as BLOB, null as NULL.
 */
export function toSqlite(value: CellValue): SqliteValue {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > INT64_MAX) {
      throw new AsyncClientError('E_VALUE_RANGE', `integer ${value} does not fit the database's 64-bit integers`, { value: String(value) });
    }
    return value;
  }
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (value instanceof Decimal) return value.text;
  if (value instanceof Date) return isoTimestamp(value.getTime());
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** SQLite to CellValue for a column of `type`: the inverse of `toSqlite`. `E_VALUE_UNREPRESENTABLE` otherwise. */
export function fromSqlite(value: SqliteValue, type: ColumnType, where: string): CellValue {
  if (value === null) return null;
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value !== 'object') return String(value);
      break;
    case 'integer':
      if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value;
      break;
    case 'decimal':
      if (typeof value === 'bigint' || (typeof value === 'string' && Decimal.PATTERN.test(value))) return new Decimal(String(value));
      if (typeof value === 'number' && Decimal.PATTERN.test(String(value))) return new Decimal(String(value));
      break;
    case 'boolean':
      if (value === 0n || value === 1n) return value === 1n;
      break;
    case 'timestamp':
      if (typeof value === 'string') {
        const time = Date.parse(asUtc(value));
        if (!Number.isNaN(time)) return new Date(time);
      }
      break;
    case 'binary':
      if (Buffer.isBuffer(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      break;
  }
  throw new AsyncClientError(
    'E_VALUE_UNREPRESENTABLE',
    `${where}: the value ${describe(value)} cannot travel as ${type}; fix the row or the column's declared type`,
    { where, type },
  );
}

/** SQLite's own `datetime()` text (`2026-11-27 15:04:05`) has no zone and means UTC. */
function asUtc(text: string): string {
  return /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text.replace(' ', 'T')}Z` : text;
}

function describe(value: SqliteValue): string {
  return Buffer.isBuffer(value) ? `<${value.length} bytes>` : JSON.stringify(String(value));
}
