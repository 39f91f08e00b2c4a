import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { packageError } from './errors.js';
import { CHANNEL_ID_PATTERN, MAX_SEQUENCE } from './file-name.js';
import type { PackageManifest, TableSpec } from './types.js';
import { COLUMN_TYPES } from './values.js';

export const FORMAT_NAME = 'async-client-package';
/** The version this code writes; it reads every 1.x. */
export const FORMAT_VERSION = '1.0';
export const SUPPORTED_MAJOR = 1;

/** Table and column names: plain identifiers that every SQL dialect accepts unquoted-safe. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const VERSION = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;

const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const ManifestSchema = Type.Object({
  formatVersion: Type.String(),
  direction: Type.Union([Type.Literal('download'), Type.Literal('upload')]),
  channelId: Type.String({ pattern: CHANNEL_ID_PATTERN.source }),
  sequence: Type.Integer({ minimum: 1, maximum: MAX_SEQUENCE }),
  job: Type.Object({ id: Type.String(), name: Type.String() }),
  dataGroup: Type.String(),
  kind: Type.Union([Type.Literal('full'), Type.Literal('incremental')]),
  createdAt: Type.String({ pattern: ISO_UTC.source }),
  producer: Type.String(),
  tables: Type.Array(
    Type.Object({
      name: Type.String(),
      columns: Type.Array(
        Type.Object({
          name: Type.String(),
          type: Type.Union(COLUMN_TYPES.map((type) => Type.Literal(type))),
          nullable: Type.Boolean(),
        }),
        { minItems: 1 },
      ),
      primaryKey: Type.Array(Type.String(), { minItems: 1 }),
      upsertCount: Count,
      deleteCount: Count,
    }),
  ),
});
type ManifestShape = Static<typeof ManifestSchema>;

/** Major and minor of a `formatVersion`; throws E_PACKAGE_VERSION for a major this code cannot read. */
export function checkFormatVersion(version: unknown, where: string): { major: number; minor: number } {
  const match = typeof version === 'string' ? VERSION.exec(version) : null;
  if (match === null) {
    throw packageError('E_PACKAGE_VERSION', `${where}: formatVersion ${JSON.stringify(version)} is not MAJOR.MINOR`, { version });
  }
  const major = Number(match[1]);
  if (major !== SUPPORTED_MAJOR) {
    throw packageError(
      'E_PACKAGE_VERSION',
      `${where}: format version ${String(version)} is not supported (this async-client reads ${SUPPORTED_MAJOR}.x); upgrade async-client or ask the producer for a ${SUPPORTED_MAJOR}.x package`,
      { version },
    );
  }
  return { major, minor: Number(match[2]) };
}

/**
 * Checks a manifest as a reader finds it or a writer is given it: shape, identifiers, keys,
 * counts. Returns a clean copy holding only the fields this version knows.
 */
export function validateManifest(input: unknown, where: string): PackageManifest {
  const version = typeof input === 'object' && input !== null ? (input as { formatVersion?: unknown }).formatVersion : undefined;
  checkFormatVersion(version, where);
  if (!Value.Check(ManifestSchema, input)) {
    const first = Value.Errors(ManifestSchema, input).First();
    const path = first?.path === undefined || first.path === '' ? 'manifest' : `manifest${first.path.replaceAll('/', '.')}`;
    throw packageError('E_PACKAGE_MANIFEST', `${where}: ${path}: ${first?.message ?? 'invalid'}`, { path });
  }
  const manifest = input as ManifestShape;
  const created = new Date(manifest.createdAt);
  if (Number.isNaN(created.getTime()) || created.toISOString().slice(0, 19) !== manifest.createdAt.slice(0, 19)) {
    throw packageError('E_PACKAGE_MANIFEST', `${where}: createdAt ${manifest.createdAt} is not a real date`);
  }
  const tableNames = new Set<string>();
  const tables: TableSpec[] = manifest.tables.map((table) => {
    checkIdentifier(table.name, `${where}: table`);
    if (tableNames.has(table.name)) throw packageError('E_PACKAGE_MANIFEST', `${where}: table ${table.name} is listed twice`);
    tableNames.add(table.name);
    return validateTable(table, manifest.kind, where);
  });
  return {
    formatVersion: manifest.formatVersion,
    direction: manifest.direction,
    channelId: manifest.channelId,
    sequence: manifest.sequence,
    job: { id: manifest.job.id, name: manifest.job.name },
    dataGroup: manifest.dataGroup,
    kind: manifest.kind,
    createdAt: manifest.createdAt,
    producer: manifest.producer,
    tables,
  };
}

function validateTable(table: ManifestShape['tables'][number], kind: PackageManifest['kind'], where: string): TableSpec {
  const columns = new Map<string, ManifestShape['tables'][number]['columns'][number]>();
  for (const column of table.columns) {
    checkIdentifier(column.name, `${where}: table ${table.name}: column`);
    if (columns.has(column.name)) {
      throw packageError('E_PACKAGE_MANIFEST', `${where}: table ${table.name}: column ${column.name} is listed twice`);
    }
    columns.set(column.name, column);
  }
  const keyNames = new Set<string>();
  for (const keyName of table.primaryKey) {
    const column = columns.get(keyName);
    if (column === undefined || keyNames.has(keyName)) {
      throw packageError('E_PACKAGE_MANIFEST', `${where}: table ${table.name}: primary key column ${keyName} is not a column or is listed twice`);
    }
    if (column.nullable) {
      throw packageError('E_PACKAGE_MANIFEST', `${where}: table ${table.name}: primary key column ${keyName} must not be nullable`);
    }
    keyNames.add(keyName);
  }
  if (kind === 'full' && table.deleteCount > 0) {
    throw packageError('E_PACKAGE_MANIFEST', `${where}: table ${table.name}: a full package replaces tables and cannot hold delete rows`);
  }
  return {
    name: table.name,
    columns: table.columns.map((column) => ({ name: column.name, type: column.type, nullable: column.nullable })),
    primaryKey: [...table.primaryKey],
    upsertCount: table.upsertCount,
    deleteCount: table.deleteCount,
  };
}

function checkIdentifier(name: string, what: string): void {
  if (!IDENTIFIER_PATTERN.test(name)) {
    throw packageError(
      'E_PACKAGE_NAME',
      `${what} name ${JSON.stringify(name)} is not a plain identifier (letters, digits, underscore; not starting with a digit; at most 63 characters)`,
      { name },
    );
  }
}

/** The first content line: the manifest with the format name in front. */
export function encodeManifestLine(manifest: PackageManifest): string {
  return `${JSON.stringify({ format: FORMAT_NAME, ...manifest })}\n`;
}
