import { AsyncClientError } from '../errors.js';
import type { ColumnSpec, PackageKind, PackageManifest, TableSpec } from '../package/types.js';

/** A missing table may be created only for a full package, and only when the profile allows it. */
export function assertMayCreate(spec: TableSpec, kind: PackageKind, allowed: boolean): void {
  if (allowed && kind === 'full') return;
  const why =
    kind === 'full'
      ? 'create it, or allow the daemon to create missing tables in the profile'
      : 'create it; only a full package may create a missing table, and only when the profile allows it';
  throw schemaError('E_SCHEMA_TABLE_MISSING', spec, null, `does not exist: ${why}`);
}

/** A package table the database cannot take, naming the table (and the column). */
export function schemaError(code: string, spec: TableSpec, column: string | null, what: string): AsyncClientError {
  return new AsyncClientError(code, `table ${spec.name} in the channel database ${what}`, { table: spec.name, column });
}

/** The package carries a column the table lacks. */
export function columnMissing(spec: TableSpec, column: ColumnSpec): AsyncClientError {
  return schemaError(
    'E_SCHEMA_COLUMN_MISSING',
    spec,
    column.name,
    `has no column ${column.name} (${column.type}); add it, or ask HQ to leave it out`,
  );
}

/**
 * The checks after the columns, the same on every engine: an upsert must fill each column the
 * table requires (`isRequired`: NOT NULL and no default, as the engine sees it), and an
 * incremental package's key must be a key of the table.
 */
export function assertRowsFit<Column extends { readonly name: string }>(
  spec: TableSpec,
  kind: PackageKind,
  columns: readonly Column[],
  isRequired: (column: Column) => boolean,
  hasUniqueKey: (key: readonly string[]) => boolean,
): void {
  const carried = new Set(spec.columns.map((column) => column.name.toLowerCase()));
  const required = spec.upsertCount === 0 ? undefined : columns.find((c) => isRequired(c) && !carried.has(c.name.toLowerCase()));
  if (required !== undefined) {
    throw schemaError(
      'E_SCHEMA_COLUMN_REQUIRED',
      spec,
      required.name,
      `requires column ${required.name} (NOT NULL, no default), which the package does not carry`,
    );
  }
  if (kind === 'incremental' && !hasUniqueKey(spec.primaryKey)) {
    throw schemaError(
      'E_SCHEMA_KEY_MISMATCH',
      spec,
      spec.primaryKey.join(', '),
      `has no primary key or unique index on (${spec.primaryKey.join(', ')}), the package's key: upserts need one`,
    );
  }
}

/** Rows for a table the manifest does not list: the package contradicts itself. */
export function tableUnlisted(manifest: PackageManifest, table: string): AsyncClientError {
  return new AsyncClientError(
    'E_PACKAGE_TABLE_UNLISTED',
    `package ${manifest.sequence} has rows for table ${table}, which its manifest does not list`,
    { table },
  );
}
