/**
 * Table names a package may never carry: the daemon's own tables (`async_client_*`: journal,
 * schema version, upload watermarks) and the engines' (`sqlite_*`, PostgreSQL's `pg_*` and
 * `information_schema`), in any letter case since
 * SQL names are case-insensitive. The reader refuses them, and every channel adapter again.
 */
const RESERVED_TABLE_NAME = /^(async_client_|sqlite_|pg_|information_schema)/i;

export const RESERVED_TABLE_PREFIXES: readonly string[] = ['async_client_', 'sqlite_', 'pg_', 'information_schema'];

export function isReservedTableName(name: string): boolean {
  return RESERVED_TABLE_NAME.test(name);
}
