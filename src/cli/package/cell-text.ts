import { VALUE_CODECS, ValueError } from '../../package/values.js';
import type { CellValue, ColumnType } from '../../package/index.js';

/**
 * The text forms the pack and unpack tools use for values in CSV and JSON Lines files
 * (docs/package-format.md, "Package tools"); the package itself uses the wire forms of values.ts.
 */

/** Years 0000–9999, or ±YYYYYY (ECMAScript's expanded years, as unpack writes them beyond 9999 or before 0). */
const ISO_TIMESTAMP = /^(\d{4}|[+-]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const EPOCH_MS = /^-?\d{1,16}$/;
const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = { true: true, false: false, '1': true, '0': false };

function timestampFromIso(text: string): Date {
  if (!ISO_TIMESTAMP.test(text))
    throw new ValueError(`expected an ISO 8601 timestamp with a time zone, or epoch milliseconds; got ${JSON.stringify(text)}`);
  return VALUE_CODECS.timestamp.decode(Date.parse(text)) as Date;
}

/** A CSV field (never empty: an empty unquoted field is null) as a value of `type`. */
export function cellFromText(type: ColumnType, text: string): CellValue {
  switch (type) {
    case 'boolean': {
      const value = BOOLEAN_TEXT[text.toLowerCase()];
      if (value === undefined) throw new ValueError(`expected true, false, 1 or 0; got ${JSON.stringify(text)}`);
      return value;
    }
    case 'timestamp':
      return EPOCH_MS.test(text) ? VALUE_CODECS.timestamp.decode(Number(text)) : timestampFromIso(text);
    default:
      return VALUE_CODECS[type].decode(text);
  }
}

/** A JSON Lines value (not null) as a value of `type`. */
export function cellFromJson(type: ColumnType, value: unknown): CellValue {
  if (type === 'timestamp' && typeof value === 'string') return timestampFromIso(value);
  return VALUE_CODECS[type].decode(value);
}

/** The JSON form unpack writes, which pack reads back: exact, and readable where JSON allows. */
export function cellToJson(type: ColumnType, value: CellValue): string | number | boolean | null {
  if (value === null) return null;
  if (type === 'timestamp') return (value as Date).toISOString();
  return VALUE_CODECS[type].encode(value);
}
