import type { Database } from 'better-sqlite3';
import type { PackageKind, TableSpec } from '../package/types.js';
import { assertNotReserved } from './reserved-tables.js';
import { findColumn, hasUniqueKey, isRowidAlias, quoteName, readTable, type SqliteTable } from './sqlite-schema.js';
import { declaredTypeFor, isCompatible } from './sqlite-values.js';
import { assertRowsFit, columnMissing, schemaError } from './schema-errors.js';

/**
 * Checks that the database can take a package table as it is; returns the table's name as
 * the database spells it, or null when the table does not exist. Throws, naming table and
 * column, when a column is missing or incompatible, when the database requires a column the
 * package lacks, or when an incremental package's key is not a key of the table.
 */
export function checkTable(db: Database, spec: TableSpec, kind: PackageKind): string | null {
  assertNotReserved(spec);
  const table = readTable(db, spec.name);
  if (table === null) return null;
  for (const column of spec.columns) {
    const existing = findColumn(table, column.name);
    if (existing === undefined) throw columnMissing(spec, column);
    if (!isCompatible(column.type, existing.declaredType)) {
      throw schemaError(
        'E_SCHEMA_COLUMN_TYPE',
        spec,
        column.name,
        `declares column ${column.name} as ${existing.declaredType || 'untyped'}, which cannot hold the package's ${column.type} values unchanged`,
      );
    }
  }
  assertRowsFit(
    spec,
    kind,
    table.columns,
    (c) => isRequired(table, c.name),
    (key) => hasUniqueKey(table, key),
  );
  return table.name;
}

function isRequired(table: SqliteTable, name: string): boolean {
  const column = findColumn(table, name);
  return column?.notNull === true && !column.hasDefault && !isRowidAlias(table, column);
}

/** The CREATE TABLE for a missing table, from the manifest: types by `declaredTypeFor`, the manifest's primary key. */
export function createTableSql(spec: TableSpec, name: string): string {
  const columns = spec.columns.map((c) => `${quoteName(c.name)} ${declaredTypeFor(c.type)}${c.nullable ? '' : ' NOT NULL'}`);
  const key = spec.primaryKey.length > 0 ? [`PRIMARY KEY (${spec.primaryKey.map(quoteName).join(', ')})`] : [];
  return `CREATE TABLE ${quoteName(name)} (${[...columns, ...key].join(', ')})`;
}
