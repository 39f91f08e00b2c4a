import type { ColumnType } from '../package/types.js';
import { quoteIdent } from './postgres-connection.js';
import type { PostgresColumn } from './postgres-schema.js';
import { postgresColumnTypeOf } from './postgres-values.js';

/** What `packageLinesSql` selects, and how each value's text goes into the line. */
export interface PackageLinesQuery {
  readonly sql: string;
  /** Per column: whether its text goes between double quotes (decimals, base64: texts with nothing to escape). */
  readonly quoted: readonly boolean[];
}

/**
 * The SQL that has PostgreSQL write each upload row's values as the package's JSON (the text
 * TableCodec.encode writes, docs/package-format.md section 5), so that Node only joins them into
 * the line, counts, checks keys and compresses. Per row it selects, in this order:
 *
 * - each column's JSON, null for null (quotes left to Node where `quoted` says);
 * - each primary-key column's canonical key text (TableCodec.keyText's parts);
 * - null, or for a row with a value the package cannot carry, `[column index, the value as COPY
 *   writes it, the counter as COPY writes it]`, so that the value is refused as `rows` refuses it.
 *
 * Every expression gives exactly the text the codec writes for the value the COPY text path reads
 * (test/channel/postgres-upload-lines.test.ts compares both paths byte for byte). The connection
 * runs in UTC with ISO dates (postgres-connection.ts). Joining the values in SQL (`||`) cost the
 * server more than computing them.
 */
export function packageLinesSql(
  columns: readonly PostgresColumn[],
  primaryKey: readonly string[],
  counterColumn: string,
  rangeSql: (select: string) => string,
): PackageLinesQuery {
  const raw = columns.map((c, i) => `${quoteIdent(c.name)} AS c${i}`);
  const counterAt = columns.findIndex((c) => c.name === counterColumn);
  const encodings = columns.map((c, i) => encodingOf(c, `c${i}`, `p${i}`));
  const plain = encodings.map((e, i) => `${e.plain} AS p${i}`);
  const keys = primaryKey.map((name) => `p${columns.findIndex((c) => c.name === name)}`);
  const checks = encodings.flatMap((e, i) =>
    e.fits === undefined
      ? []
      : [`WHEN NOT (${e.fits}) THEN json_build_array(${i}, format('%s', c${i}), format('%s', c${counterAt}))::text`],
  );
  const problem = checks.length === 0 ? 'NULL::text' : `CASE ${checks.join(' ')} END`;
  // The ordered read is never merged into the outer queries, and OFFSET 0 keeps the middle one
  // apart too: each plain text is computed once, however often the line, key and check use it.
  const ordered = `${rangeSql(raw.join(', '))} ORDER BY ${quoteIdent(counterColumn)}`;
  const texts = `SELECT ${[...columns.map((_, i) => `c${i}`), ...plain].join(', ')} FROM (${ordered}) r OFFSET 0`;
  return {
    sql: `SELECT ${[...encodings.map((e) => e.wire), ...keys, problem].join(', ')} FROM (${texts}) t`,
    quoted: encodings.map((e) => e.quoted === true),
  };
}

interface Encoding {
  /** The value's canonical text, null for null: the key text, and what the wire form is made of. */
  readonly plain: string;
  /** The value's JSON in the line, from `plain`; null for null. */
  readonly wire: string;
  /** The JSON is `wire` between double quotes. */
  readonly quoted?: boolean;
  /** A condition true when the value can travel; absent when every value can. */
  readonly fits?: string;
}

const MAX_SAFE = '9007199254740991';
/** The decimal text the package format and the COPY text path take. */
const DECIMAL_TEXT = `'^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$'`;
/** Types whose cast to text is their output function, as COPY writes them (bpchar's trims, inet's adds the mask). */
const CAST_IS_OUTPUT = ['int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'text', 'varchar'];

function encodingOf(column: PostgresColumn, value: string, plain: string): Encoding {
  const type: ColumnType = postgresColumnTypeOf(column.baseType);
  const text = CAST_IS_OUTPUT.includes(column.baseType)
    ? `${value}::text`
    : `CASE WHEN ${value} IS NOT NULL THEN format('%s', ${value}) END`;
  const quoted = `'"' || ${plain} || '"'`;
  switch (type) {
    case 'integer':
      if (column.baseType !== 'int8') return { plain: text, wire: plain };
      return { plain: text, wire: `CASE WHEN ${value} BETWEEN -${MAX_SAFE} AND ${MAX_SAFE} THEN ${plain} ELSE ${quoted} END` };
    case 'decimal':
      // numeric's output is plain digits but for NaN and the infinities (times zero, NaN); float and money need the full check.
      return {
        plain: text,
        wire: plain,
        quoted: true,
        fits: column.baseType === 'numeric' ? `${value} * 0 = 0` : `${plain} ~ ${DECIMAL_TEXT}`,
      };
    case 'boolean':
      return { plain: `CASE WHEN ${value} THEN 'true' WHEN NOT ${value} THEN 'false' END`, wire: plain };
    case 'timestamp':
      // Whole milliseconds, the microseconds cut (floor, also before 1970), in integer arithmetic on any server version.
      return {
        plain: `CASE WHEN isfinite(${value}) THEN (date_part('epoch', date_trunc('second', ${value}))::bigint * 1000 + (date_part('microseconds', ${value})::bigint % 1000000) / 1000)::text END`,
        wire: plain,
        fits: `isfinite(${value}) AND ${value} >= '0001-01-01' AND ${value} < '10000-01-01'`,
      };
    case 'binary':
      // PostgreSQL's base64 breaks lines every 76 characters; otherwise it is the padded standard form.
      return { plain: `translate(encode(${value}, 'base64'), E'\\n', '')`, wire: plain, quoted: true };
    case 'string':
      return { plain: text, wire: `to_json(${plain})::text` };
  }
}
