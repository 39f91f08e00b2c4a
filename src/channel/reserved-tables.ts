import { AsyncClientError } from '../errors.js';
import { isReservedTableName, RESERVED_TABLE_PREFIXES } from '../package/reserved-names.js';
import type { TableSpec } from '../package/types.js';

/**
 * Every adapter calls this before it writes a package table: the reader already refuses these
 * names, but a package's rows must never reach the daemon's journal, schema version or
 * watermarks (or the engine's catalog) whatever path they came by.
 */
export function assertNotReserved(spec: TableSpec): void {
  if (!isReservedTableName(spec.name)) return;
  throw new AsyncClientError(
    'E_SCHEMA_TABLE_RESERVED',
    `table ${spec.name} is reserved (${RESERVED_TABLE_PREFIXES.map((prefix) => `${prefix}*`).join(', ')}, any case): a package never writes the daemon's or the engine's own tables`,
    { table: spec.name },
  );
}
