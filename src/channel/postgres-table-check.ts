import type pg from 'pg';
import { AsyncClientError } from '../errors.js';
import type { PackageKind, TableSpec } from '../package/types.js';
import { qualified, quoteIdent, type Row } from './postgres-connection.js';
import { findPostgresColumn, hasPostgresUniqueKey, type PostgresTable, readPostgresTable } from './postgres-schema.js';
import { isPostgresCompatible, postgresTypeFor } from './postgres-values.js';
import { assertNotReserved } from './reserved-tables.js';
import { assertRowsFit, columnMissing, schemaError } from './schema-errors.js';

/**
 * Checks that the database can take a package table as it is, and that the service user may
 * write it; returns the table, or null when it does not exist. Throws, naming table and column
 * (or privilege), when a column is missing or cannot hold the values, when the database requires
 * a column the package lacks, when an incremental package's key is not a key of the table.
 */
export async function checkPostgresTable(
  client: pg.ClientBase,
  schema: string,
  spec: TableSpec,
  kind: PackageKind,
): Promise<PostgresTable | null> {
  assertNotReserved(spec);
  const table = await readPostgresTable(client, schema, spec.name);
  if (table === null) return null;
  for (const column of spec.columns) {
    const existing = findPostgresColumn(table, column.name);
    if (existing === undefined) throw columnMissing(spec, column);
    if (!isPostgresCompatible(column.type, existing.baseType)) {
      throw schemaError(
        'E_SCHEMA_COLUMN_TYPE',
        spec,
        column.name,
        `declares column ${column.name} as ${existing.declaredType}, which cannot hold the package's ${column.type} values unchanged (${postgresTypeFor(column.type)} would)`,
      );
    }
  }
  assertRowsFit(
    spec,
    kind,
    table.columns,
    (c) => c.notNull && !c.hasDefault,
    (key) => hasPostgresUniqueKey(table, key),
  );
  const needed = kind === 'full' ? ['DELETE', 'INSERT'] : ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
  await assertPrivileges(client, `table ${schema}.${table.name}`, 'has_table_privilege($1::oid, $2)', table.oid, needed);
  return table;
}

/** The service user holds each privilege on the object, or the error names the first it lacks and the GRANT that gives it. */
export async function assertPrivileges(
  client: pg.ClientBase,
  object: string,
  check: string,
  target: string,
  privileges: readonly string[],
): Promise<void> {
  for (const privilege of privileges) {
    const { rows } = await client.query<Row>(`SELECT ${check} AS granted, current_user AS who`, [target, privilege]);
    if (rows[0]?.granted !== 't') {
      const who = rows[0]?.who ?? 'the service user';
      throw new AsyncClientError(
        'E_DATABASE_PERMISSION',
        `the database user ${who} lacks the ${privilege} privilege on ${object}: GRANT ${privilege} ON ${object.replace(/^table /, 'TABLE ')} TO ${quoteIdent(who)} (see "Use PostgreSQL" in the README)`,
        { object, privilege, user: who },
      );
    }
  }
}

/** Creates a missing table from the manifest (types by `postgresTypeFor`, the manifest's primary key) and reads it back. */
export async function createPostgresTable(client: pg.ClientBase, schema: string, spec: TableSpec): Promise<PostgresTable> {
  await assertPrivileges(client, `schema ${schema}`, 'has_schema_privilege($1, $2)', schema, ['CREATE']);
  const columns = spec.columns.map((c) => `${quoteIdent(c.name)} ${postgresTypeFor(c.type)}${c.nullable ? '' : ' NOT NULL'}`);
  const key = spec.primaryKey.length > 0 ? [`PRIMARY KEY (${spec.primaryKey.map(quoteIdent).join(', ')})`] : [];
  await client.query(`CREATE TABLE ${qualified(schema, spec.name)} (${[...columns, ...key].join(', ')})`);
  return (await readPostgresTable(client, schema, spec.name)) as PostgresTable;
}
