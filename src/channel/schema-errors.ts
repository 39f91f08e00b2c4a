import { AsyncClientError } from '../errors.js';
import type { PackageKind, PackageManifest, TableSpec } from '../package/types.js';

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

/** Rows for a table the manifest does not list: the package contradicts itself. */
export function tableUnlisted(manifest: PackageManifest, table: string): AsyncClientError {
  return new AsyncClientError(
    'E_PACKAGE_TABLE_UNLISTED',
    `package ${manifest.sequence} has rows for table ${table}, which its manifest does not list`,
    { table },
  );
}
