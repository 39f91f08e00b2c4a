import type pg from 'pg';
import { AsyncClientError } from '../errors.js';
import { qualified, quoteIdent } from './postgres-connection.js';
import { findPostgresColumn, type PostgresTable, readPostgresTable } from './postgres-schema.js';
import { isPostgresInteger, postgresColumnTypeOf } from './postgres-values.js';
import { assertPrivileges } from './postgres-table-check.js';
import type { UploadTableConfig, UploadTableDescription } from './upload-journal.js';

/**
 * The start-up check of one upload table: it exists, the service user may read it, its counter
 * exists, is an integer and leads an index, so that reading past the watermark never scans the
 * whole table.
 */
export async function describePostgresUploadTable(
  client: pg.ClientBase,
  schema: string,
  config: UploadTableConfig,
): Promise<UploadTableDescription & { readonly source: PostgresTable }> {
  const where = `upload table ${config.table} (counter ${config.counterColumn})`;
  const table = await readPostgresTable(client, schema, config.table);
  if (table === null) {
    throw new AsyncClientError(
      'E_UPLOAD_TABLE_MISSING',
      `${where}: the table does not exist in schema ${schema} of the channel database; fix the profile's upload tables or create it`,
      { ...config },
    );
  }
  const counter = findPostgresColumn(table, config.counterColumn);
  if (counter === undefined) {
    throw new AsyncClientError(
      'E_UPLOAD_COUNTER_MISSING',
      `${where}: table ${table.name} has no column ${config.counterColumn}; name an existing integer column in the profile`,
      { ...config },
    );
  }
  if (!isPostgresInteger(counter.baseType)) {
    throw new AsyncClientError(
      'E_UPLOAD_COUNTER_TYPE',
      `${where}: the counter is declared ${counter.declaredType}, not an integer; a replication counter must be a bigint (or integer) column`,
      { ...config, declaredType: counter.declaredType },
    );
  }
  if (!table.indexLeaders.includes(counter.name)) {
    throw new AsyncClientError(
      'E_UPLOAD_COUNTER_NOT_INDEXED',
      `${where}: no index starts with ${counter.name}, so every upload would scan the whole table; run CREATE INDEX ON ${qualified(schema, table.name)} (${quoteIdent(counter.name)})`,
      { ...config },
    );
  }
  await assertPrivileges(client, `table ${schema}.${table.name}`, 'has_table_privilege($1::oid, $2)', table.oid, ['SELECT']);
  return {
    table: table.name,
    counterColumn: counter.name,
    columns: table.columns.map((c) => ({ name: c.name, type: postgresColumnTypeOf(c.baseType), nullable: !c.notNull })),
    primaryKey: table.primaryKey,
    source: table,
  };
}

/** The SQL that selects a table's rows past `$1` up to `$2` (when bounded), with the profile's filter. */
export function postgresRangeSql(schema: string, config: UploadTableConfig, select: string, bounded: boolean): string {
  const counter = quoteIdent(config.counterColumn);
  const bound = bounded ? ` AND ${counter} <= $2` : '';
  const filter = config.filter === undefined ? '' : ` AND (${config.filter})`;
  return `SELECT ${select} FROM ${qualified(schema, config.table)} WHERE ${counter} > $1${bound}${filter}`;
}
