import { AsyncClientError } from '../errors.js';

/** What SQLite reported, as our stable codes with a hint of what to do. */
const TRANSLATIONS: readonly { readonly prefix: string; readonly code: string; readonly hint: string }[] = [
  { prefix: 'SQLITE_BUSY', code: 'E_DATABASE_BUSY', hint: 'another writer held the database past the busy timeout; it is retried later' },
  { prefix: 'SQLITE_LOCKED', code: 'E_DATABASE_BUSY', hint: 'the database was locked; it is retried later' },
  { prefix: 'SQLITE_FULL', code: 'E_DATABASE_FULL', hint: 'the disk holding the database is full; free space' },
  { prefix: 'SQLITE_READONLY', code: 'E_DATABASE_READONLY', hint: 'the database is read-only; check the file, its folder and the mount' },
  { prefix: 'SQLITE_CONSTRAINT', code: 'E_DATABASE_CONSTRAINT', hint: 'a row breaks a constraint of the database' },
  {
    prefix: 'SQLITE_CANTOPEN',
    code: 'E_DATABASE_OPEN',
    hint: 'the database or its -wal/-shm files cannot be opened; check the path and that its folder is writable',
  },
];

/**
 * Turns a SQLite error into an AsyncClientError naming the database and `where`;
 * anything else (ours, a reader's, a bug) passes through unchanged.
 */
export function translateSqliteError(error: unknown, location: string, where: string, details: Record<string, unknown> = {}): unknown {
  if (!isSqliteError(error)) return error;
  const match = TRANSLATIONS.find((t) => error.code.startsWith(t.prefix));
  const code = match?.code ?? 'E_DATABASE';
  const hint = match?.hint ?? 'see the SQLite message';
  return new AsyncClientError(
    code,
    `${where} failed on ${location}: ${error.message} (${error.code}): ${hint}`,
    { ...details, location, sqliteCode: error.code },
    { cause: error },
  );
}

/**
 * By shape, not `instanceof`: the native addon throws the SqliteError class of whichever copy
 * of better-sqlite3 loaded last in the process, possibly from another realm (jest loads one
 * per test file), where even `instanceof Error` is false.
 */
function isSqliteError(error: unknown): error is { readonly code: string; readonly message: string } {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'SqliteError' && typeof code === 'string';
}
