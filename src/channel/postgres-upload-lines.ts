import type { ColumnType } from '../package/types.js';
import { quoteIdent } from './postgres-connection.js';
import type { PostgresColumn } from './postgres-schema.js';
import { postgresColumnTypeOf } from './postgres-values.js';

/**
 * How a column's field of the binary COPY becomes its JSON in the package line
 * (docs/package-format.md section 5); every field may also be null, written `null`:
 *
 * - `number`: integer digits, between quotes beyond ±(2^53-1);
 * - `quoted`: text with nothing to escape (decimal digits, base64), between quotes;
 * - `literal`: `true` or `false`, as it is;
 * - `string`: UTF-8 text, escaped as JSON.stringify escapes it;
 * - `instant`: PostgreSQL's binary timestamp (microseconds since 2000, 64 bits), as whole
 *   milliseconds since 1970, the microseconds cut.
 */
export type FieldKind = 'number' | 'quoted' | 'literal' | 'string' | 'instant';

/** What `packageLinesSql` selects and how Node reads it (postgres-copy-lines.ts). */
export interface PackageLinesQuery {
  readonly sql: string;
  /** Per column, in order. */
  readonly kinds: readonly FieldKind[];
  /** The primary key's columns, by position, in key order. */
  readonly keyColumns: readonly number[];
}

/**
 * The SQL that has PostgreSQL give each upload row's values in the form the package takes them,
 * for binary COPY, so that Node decodes no value: it only joins the fields into the line (the
 * text TableCodec.encode writes), escapes strings, counts, checks keys and compresses. Per row it
 * selects each column's field (see FieldKind), then null, or for a row with a value the package
 * cannot carry `[column index, the value as COPY writes it, the counter as COPY writes it]`, so
 * that the value is refused as `rows` refuses it. `source` is the table `rangeSql` reads, qualified.
 *
 * Every field gives exactly what the codec writes for the value the COPY text path reads
 * (test/channel/postgres-upload-lines.test.ts compares both paths byte for byte). The connection
 * runs in UTC with ISO dates (postgres-connection.ts). What is left to Node (joining, escaping,
 * milliseconds) cost the server more than all the rest of the query.
 */
export function packageLinesSql(
  columns: readonly PostgresColumn[],
  primaryKey: readonly string[],
  counterColumn: string,
  source: string,
  rangeSql: (select: string) => string,
): PackageLinesQuery {
  const counter = quoteIdent(counterColumn);
  const fields = columns.map(fieldOf);
  const checks = fields.flatMap((f, i) =>
    f.fits === undefined
      ? []
      : [
          `WHEN NOT (${f.fits}) THEN json_build_array(${i}, format('%s', ${quoteIdent(columns[i]?.name ?? '')}), format('%s', ${counter}))::text`,
        ],
  );
  const problem = checks.length === 0 ? 'NULL::text' : `CASE ${checks.join(' ')} END`;
  return {
    // Qualified: ORDER BY takes an output column of the name first, and `counter::text` is named `counter`.
    sql: `${rangeSql([...fields.map((f) => f.select), problem].join(', '))} ORDER BY ${source}.${counter}`,
    kinds: fields.map((f) => f.kind),
    keyColumns: primaryKey.map((name) => columns.findIndex((c) => c.name === name)),
  };
}

interface Field {
  readonly select: string;
  readonly kind: FieldKind;
  /** A condition true when the value can travel; absent when every value can. */
  readonly fits?: string;
}

/** The decimal text the package format and the COPY text path take. */
const DECIMAL_TEXT = `'^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$'`;
/** Types whose cast to text is their output function, as COPY writes them (bpchar's trims, inet's adds the mask). */
const CAST_IS_OUTPUT = ['int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'text', 'varchar'];

function fieldOf(column: PostgresColumn): Field {
  const value = quoteIdent(column.name);
  const type: ColumnType = postgresColumnTypeOf(column.baseType);
  const text = CAST_IS_OUTPUT.includes(column.baseType)
    ? `${value}::text`
    : `CASE WHEN ${value} IS NOT NULL THEN format('%s', ${value}) END`;
  switch (type) {
    case 'integer':
      return { select: text, kind: 'number' };
    case 'decimal':
      // numeric's output is plain digits but for NaN and the infinities (times zero, NaN); float and money need the full check.
      return { select: text, kind: 'quoted', fits: column.baseType === 'numeric' ? `${value} * 0 = 0` : `${text} ~ ${DECIMAL_TEXT}` };
    case 'boolean':
      return { select: `CASE WHEN ${value} THEN 'true' WHEN NOT ${value} THEN 'false' END`, kind: 'literal' };
    case 'timestamp':
      return { select: value, kind: 'instant', fits: `isfinite(${value}) AND ${value} >= '0001-01-01' AND ${value} < '10000-01-01'` };
    case 'binary':
      // PostgreSQL's base64 breaks lines every 76 characters; otherwise it is the padded standard form.
      return { select: `translate(encode(${value}, 'base64'), E'\\n', '')`, kind: 'quoted' };
    case 'string':
      return { select: text, kind: 'string' };
  }
}
