import { packageError } from './errors.js';
import { ShapeReader } from './manifest-shape.js';
import { CHANNEL_ID_PATTERN, MAX_SEQUENCE } from './file-name.js';
import type { ColumnSpec, PackageManifest, TableSpec } from './types.js';
import { holdsLoneSurrogate } from './json-text.js';
import { isReservedTableName, RESERVED_TABLE_PREFIXES } from './reserved-names.js';
import { COLUMN_TYPES } from './values.js';

export const FORMAT_NAME = 'async-client-package';
/** The version this code writes; it reads every 1.x. */
export const FORMAT_VERSION = '1.0';
const SUPPORTED_MAJOR = 1;

/** Table and column names: plain identifiers that every SQL dialect accepts unquoted-safe. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const VERSION = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;

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
  if (holdsLoneSurrogate(input)) {
    throw packageError('E_PACKAGE_ENCODING', `${where}: the manifest holds a lone surrogate (such as \\ud800), which is not Unicode text`);
  }
  const shape = new ShapeReader(where);
  const m = shape.object(input, 'manifest');
  const job = shape.object(m.job, 'manifest.job');
  const kind = shape.oneOf(m.kind, 'manifest.kind', ['full', 'incremental'] as const);
  const createdAt = shape.string(m.createdAt, 'manifest.createdAt', ISO_UTC);
  const created = new Date(createdAt);
  if (Number.isNaN(created.getTime()) || created.toISOString().slice(0, 19) !== createdAt.slice(0, 19)) {
    shape.fail('manifest.createdAt', `${createdAt} is not a real date`);
  }
  const tableNames = new Set<string>();
  const tables: TableSpec[] = shape.array(m.tables, 'manifest.tables').map((value, index) => {
    const table = readTable(shape, value, `manifest.tables[${index}]`, kind, where);
    // SQL names are case-insensitive: Product and product would be one table in the database.
    if (tableNames.has(table.name.toLowerCase())) {
      throw packageError('E_PACKAGE_MANIFEST', `${where}: table ${table.name} is listed twice (names are compared ignoring case)`);
    }
    tableNames.add(table.name.toLowerCase());
    return table;
  });
  return {
    formatVersion: m.formatVersion as string,
    direction: shape.oneOf(m.direction, 'manifest.direction', ['download', 'upload'] as const),
    channelId: shape.string(m.channelId, 'manifest.channelId', CHANNEL_ID_PATTERN),
    sequence: shape.integer(m.sequence, 'manifest.sequence', 1, MAX_SEQUENCE),
    job: { id: shape.nonEmptyString(job.id, 'manifest.job.id'), name: shape.string(job.name, 'manifest.job.name') },
    dataGroup: shape.nonEmptyString(m.dataGroup, 'manifest.dataGroup'),
    kind,
    createdAt,
    producer: shape.string(m.producer, 'manifest.producer'),
    tables,
  };
}

function readTable(shape: ShapeReader, value: unknown, path: string, kind: PackageManifest['kind'], where: string): TableSpec {
  const t = shape.object(value, path);
  const name = shape.string(t.name, `${path}.name`);
  checkIdentifier(name, `${where}: table`);
  if (isReservedTableName(name)) {
    throw packageError(
      'E_PACKAGE_NAME',
      `${where}: table name ${name} is reserved (${RESERVED_TABLE_PREFIXES.map((prefix) => `${prefix}*`).join(', ')}, any case): a package never writes the daemon's or the engine's own tables`,
      { name },
    );
  }
  const columns = new Map<string, ColumnSpec>();
  for (const [index, columnValue] of shape.array(t.columns, `${path}.columns`, 1).entries()) {
    const at = `${path}.columns[${index}]`;
    const c = shape.object(columnValue, at);
    const column: ColumnSpec = {
      name: shape.string(c.name, `${at}.name`),
      type: shape.oneOf(c.type, `${at}.type`, COLUMN_TYPES),
      nullable: shape.boolean(c.nullable, `${at}.nullable`),
    };
    checkIdentifier(column.name, `${where}: table ${name}: column`);
    if ([...columns.keys()].some((known) => known.toLowerCase() === column.name.toLowerCase())) {
      throw packageError(
        'E_PACKAGE_MANIFEST',
        `${where}: table ${name}: column ${column.name} is listed twice (names are compared ignoring case)`,
      );
    }
    columns.set(column.name, column);
  }
  const primaryKey = shape
    .array(t.primaryKey, `${path}.primaryKey`, 1)
    .map((key, index) => shape.string(key, `${path}.primaryKey[${index}]`));
  const keyNames = new Set<string>();
  for (const keyName of primaryKey) {
    const column = columns.get(keyName);
    if (column === undefined || keyNames.has(keyName)) {
      throw packageError('E_PACKAGE_MANIFEST', `${where}: table ${name}: primary key column ${keyName} is not a column or is listed twice`);
    }
    if (column.nullable)
      throw packageError('E_PACKAGE_MANIFEST', `${where}: table ${name}: primary key column ${keyName} must not be nullable`);
    keyNames.add(keyName);
  }
  const upsertCount = shape.integer(t.upsertCount, `${path}.upsertCount`, 0, Number.MAX_SAFE_INTEGER);
  const deleteCount = shape.integer(t.deleteCount, `${path}.deleteCount`, 0, Number.MAX_SAFE_INTEGER);
  if (kind === 'full' && deleteCount > 0) {
    throw packageError('E_PACKAGE_MANIFEST', `${where}: table ${name}: a full package replaces tables and cannot hold delete rows`);
  }
  return { name, columns: [...columns.values()], primaryKey, upsertCount, deleteCount };
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
