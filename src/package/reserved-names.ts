/**
 * Table names a package may never carry: the daemon's own tables (`async_client_*`: journal,
 * schema version, upload watermarks) and the engine's (`sqlite_*`), in any letter case since
 * SQL names are case-insensitive. The reader refuses them, and every channel adapter again.
 */
const RESERVED_TABLE_NAME = /^(async_client_|sqlite_)/i;

export const RESERVED_TABLE_PREFIXES: readonly string[] = ['async_client_', 'sqlite_'];

export function isReservedTableName(name: string): boolean {
  return RESERVED_TABLE_NAME.test(name);
}
