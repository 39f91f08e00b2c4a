import { AsyncClientError } from '../errors.js';

/** PostgreSQL SQLSTATE classes and codes, as our stable codes with a hint of what to do. */
const TRANSLATIONS: readonly { readonly sqlstate: RegExp; readonly code: string; readonly hint: string }[] = [
  {
    sqlstate: /^(40001|40P01|55P03)$/,
    code: 'E_DATABASE_BUSY',
    hint: 'a serialization failure, deadlock or lock wait with another session (the POS); it is retried later',
  },
  {
    sqlstate: /^57014$/,
    code: 'E_DATABASE_TIMEOUT',
    hint: 'the statement ran past statement_timeout; it is retried later, raise the timeout if it keeps happening',
  },
  {
    sqlstate: /^(08...|57P0[1-3])$/,
    code: 'E_DATABASE_UNREACHABLE',
    hint: 'the connection to the server was lost or refused; it is retried later',
  },
  {
    sqlstate: /^28/,
    code: 'E_DATABASE_AUTH',
    hint: "the server refused the login: check the user and the password (the profile's passwordFile or PGPASSWORD) and pg_hba.conf",
  },
  {
    sqlstate: /^42501$/,
    code: 'E_DATABASE_PERMISSION',
    hint: 'the service user lacks a privilege: see "Use PostgreSQL" in the README for the grants it needs',
  },
  { sqlstate: /^53100$/, code: 'E_DATABASE_FULL', hint: "the disk holding the server's data is full; free space" },
  {
    sqlstate: /^25006$/,
    code: 'E_DATABASE_READONLY',
    hint: 'the server or the session is read-only (a standby?); point the profile at the primary',
  },
  { sqlstate: /^23/, code: 'E_DATABASE_CONSTRAINT', hint: 'a row breaks a constraint of the database' },
  {
    sqlstate: /^(22003|22001|22P02|22007|22008|22021)$/,
    code: 'E_VALUE_RANGE',
    hint: "the column's type cannot hold the value; widen the column or fix the row",
  },
  { sqlstate: /^3D000$/, code: 'E_DATABASE_OPEN', hint: 'the database does not exist; create it or fix the profile' },
];

/** Node's socket errors when the server is down or goes away. */
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

interface PgError {
  readonly message: string;
  readonly code?: string;
  readonly detail?: string;
  readonly where?: string;
  readonly table?: string;
  readonly column?: string;
}

/**
 * Turns a PostgreSQL or connection error into an AsyncClientError naming the database and
 * `where`; anything else (ours, a reader's, a bug) passes through unchanged.
 */
export function translatePostgresError(error: unknown, location: string, where: string, details: Record<string, unknown> = {}): unknown {
  if (error instanceof AsyncClientError || !isPgError(error)) return error;
  const sqlstate = error.code ?? '';
  const match = isConnectionLoss(error)
    ? TRANSLATIONS.find((t) => t.code === 'E_DATABASE_UNREACHABLE')
    : TRANSLATIONS.find((t) => t.sqlstate.test(sqlstate));
  const detail = error.detail === undefined ? '' : ` (${error.detail})`;
  return new AsyncClientError(
    match?.code ?? 'E_DATABASE',
    `${where} failed on ${location}: ${error.message}${detail}${sqlstate === '' ? '' : ` [${sqlstate}]`}: ${match?.hint ?? 'see the PostgreSQL message'}`,
    { ...details, location, ...(sqlstate === '' ? {} : { sqlstate }) },
    { cause: error },
  );
}

/** Whether the connection that reported `error` is gone and must not be reused. */
export function isConnectionLoss(error: unknown): boolean {
  if (error instanceof AsyncClientError) return error.code === 'E_DATABASE_UNREACHABLE';
  if (!isPgError(error)) return false;
  const code = error.code ?? '';
  return CONNECTION_ERRORS.has(code) || /^(08|57P0)/.test(code) || DRIVER_CONNECTION_MESSAGE.test(error.message);
}

const DRIVER_CONNECTION_MESSAGE = /Connection terminated|connection is closed|Client has encountered a connection error|timeout expired/i;

/** By shape: the server's errors carry a severity; the driver's and the socket's a known code or message. */
function isPgError(error: unknown): error is PgError {
  if (typeof error !== 'object' || error === null) return false;
  const { severity, code, message } = error as { severity?: unknown; code?: unknown; message?: unknown };
  if (typeof message !== 'string') return false;
  return (
    typeof severity === 'string' || (typeof code === 'string' && CONNECTION_ERRORS.has(code)) || DRIVER_CONNECTION_MESSAGE.test(message)
  );
}
