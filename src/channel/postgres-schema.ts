import type pg from 'pg';
import type { Row } from './postgres-connection.js';

export interface PostgresColumn {
  readonly name: string;
  /** As `format_type` spells it: `numeric(12,2)`, `character varying(40)`. */
  readonly declaredType: string;
  /** The base type's name (a domain's underlying type): `numeric`, `varchar`, `int8`. */
  readonly baseType: string;
  /** Digits after the point a `numeric(p,s)` keeps; null when unconstrained or not numeric. */
  readonly numericScale: number | null;
  readonly notNull: boolean;
  /** A default, an identity or a generated value: the package need not carry it. */
  readonly hasDefault: boolean;
}

/** What the apply and upload checks need to know of one existing table. */
export interface PostgresTable {
  readonly oid: string;
  /** As the catalog spells it. */
  readonly name: string;
  readonly schema: string;
  readonly columns: readonly PostgresColumn[];
  readonly primaryKey: readonly string[];
  /** The primary key and every plain (not partial, no expression) unique index, as column lists. */
  readonly uniqueKeys: readonly (readonly string[])[];
  /** Columns that lead some index, so a range scan on them is cheap. */
  readonly indexLeaders: readonly string[];
}

/**
 * Reads a table of `schema` from the catalog: the exactly named one, else the only one whose
 * name differs in case (a package says `Product`, the POS created `product` unquoted).
 */
export async function readPostgresTable(client: pg.ClientBase, schema: string, name: string): Promise<PostgresTable | null> {
  const found = await client.query<Row>(
    `SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND lower(c.relname) = lower($2)
     ORDER BY c.relname = $2 DESC LIMIT 1`,
    [schema, name],
  );
  const table = found.rows[0];
  if (table === undefined) return null;
  const oid = table.oid as string;
  const columns = await client.query<Row>(
    `SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS declared, b.typname AS base, a.atttypmod,
            a.attnotnull, (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '') AS has_default
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
     WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [oid],
  );
  const indexes = await client.query<Row>(
    `SELECT i.indisprimary, i.indisunique, i.indpred IS NOT NULL OR i.indexprs IS NOT NULL AS partial,
            (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum)::text AS columns
     FROM pg_index i WHERE i.indrelid = $1 AND i.indisvalid`,
    [oid],
  );
  let primaryKey: string[] = [];
  const uniqueKeys: string[][] = [];
  const indexLeaders: string[] = [];
  for (const index of indexes.rows) {
    const keyColumns = JSON.parse(index.columns ?? '[]') as string[];
    if (index.indisprimary === 't') primaryKey = keyColumns;
    if (keyColumns[0] !== undefined) indexLeaders.push(keyColumns[0]);
    if (index.indisunique === 't' && index.partial === 'f') uniqueKeys.push(keyColumns);
  }
  return {
    oid,
    name: table.relname as string,
    schema,
    columns: columns.rows.map((c) => ({
      name: c.attname as string,
      declaredType: c.declared as string,
      baseType: c.base as string,
      numericScale: c.base === 'numeric' && Number(c.atttypmod) >= 4 ? (Number(c.atttypmod) - 4) & 0xffff : null,
      notNull: c.attnotnull === 't',
      hasDefault: c.has_default === 't',
    })),
    primaryKey,
    uniqueKeys,
    indexLeaders,
  };
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The table's column of that name: the exact spelling first, else one differing in case. */
export function findPostgresColumn(table: PostgresTable, name: string): PostgresColumn | undefined {
  return table.columns.find((c) => c.name === name) ?? table.columns.find((c) => sameName(c.name, name));
}

/** Whether `columns` (in any order) are exactly one of the table's unique keys: ON CONFLICT needs one. */
export function hasPostgresUniqueKey(table: PostgresTable, columns: readonly string[]): boolean {
  return table.uniqueKeys.some((key) => key.length === columns.length && key.every((k) => columns.some((c) => sameName(c, k))));
}
