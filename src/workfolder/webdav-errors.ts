import { AsyncClientError, errorCode, errorMessage } from '../errors.js';
import { FolderErrorCode } from './working-folder.js';

/** What the WebDAV adapter was doing when a request failed, for the error message. */
export interface WebDavOperation {
  /** `read`, `write`, `move`, ... */
  readonly action: string;
  /** Relative path inside the folder (`''` for the folder itself). */
  readonly path: string;
  /** The folder's base URL, without credentials. */
  readonly location: string;
}

const REDIRECT = { code: FolderErrorCode.io, advice: 'the server redirects elsewhere; put the URL it redirects to in workingFolder.url' };

const STATUSES: Readonly<Record<number, { code: FolderErrorCode; advice: string }>> = {
  301: REDIRECT,
  302: REDIRECT,
  307: REDIRECT,
  308: REDIRECT,
  401: {
    code: FolderErrorCode.unauthorized,
    advice: 'the server refused the username or password; check workingFolder.username and password',
  },
  403: { code: FolderErrorCode.readOnly, advice: 'the server forbids it; check the account has write access to the share' },
  405: { code: FolderErrorCode.readOnly, advice: 'the server does not allow it here; the share may be read-only' },
  404: { code: FolderErrorCode.notFound, advice: 'the file or its folder does not exist' },
  409: { code: FolderErrorCode.notFound, advice: 'a parent folder does not exist' },
  410: { code: FolderErrorCode.notFound, advice: 'the file is gone' },
  412: { code: FolderErrorCode.io, advice: 'a precondition failed: the file changed on the server meanwhile' },
  423: { code: FolderErrorCode.locked, advice: 'another WebDAV client holds a lock on it; it is tried again later' },
  507: { code: FolderErrorCode.full, advice: 'the server has no space left; free space or raise the quota on the server' },
  408: { code: FolderErrorCode.unreachable, advice: 'the server timed out waiting for the request' },
  429: { code: FolderErrorCode.unreachable, advice: 'the server is limiting how often this store may ask' },
  502: { code: FolderErrorCode.unreachable, advice: 'a proxy in front of the server got no good answer' },
  503: { code: FolderErrorCode.unreachable, advice: 'the server is unavailable' },
  504: { code: FolderErrorCode.unreachable, advice: 'a proxy in front of the server timed out' },
};

/**
 * The one place where an HTTP status from the WebDAV server becomes a folder error. A
 * `Retry-After` (seconds or an HTTP date) lands in `details.retryAfterSeconds`, which the
 * cycles' backoff honours (`retryAfterSeconds`).
 */
export function webDavStatusError(
  status: number,
  operation: WebDavOperation,
  retryAfter: string | null = null,
  now = new Date(),
): AsyncClientError {
  const known = STATUSES[status];
  const wait = retryAfterFromHeader(retryAfter, now);
  const asked = wait === undefined ? '' : `; the server asks to retry after ${wait} s`;
  return new AsyncClientError(
    known?.code ?? FolderErrorCode.io,
    `Cannot ${operation.action} ${where(operation)}: ${known?.advice ?? 'the server answered with an unexpected status'}${asked} (HTTP ${status}).`,
    { ...operation, status, ...(wait === undefined ? {} : { retryAfterSeconds: wait }) },
  );
}

/** RFC 9110 `Retry-After`: whole seconds, or an HTTP date; undefined when absent or unreadable. */
function retryAfterFromHeader(value: string | null, now: Date): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/**
 * A PUT answered "not found" although the folder exists: some servers (rclone
 * --read-only) say 404 when they will not create a file.
 */
export function webDavCreateRefused(status: number, operation: WebDavOperation): AsyncClientError {
  return new AsyncClientError(
    FolderErrorCode.readOnly,
    `Cannot ${operation.action} ${where(operation)}: the server will not create the file though its folder exists; the share may be read-only (HTTP ${status}).`,
    { ...operation, status },
  );
}

/**
 * A request that got no HTTP answer: refused connection, unknown host, reset, or no
 * byte for `timeoutSeconds` (`timedOut`). All of them mean the server cannot be reached.
 */
export function webDavTransportError(
  error: unknown,
  operation: WebDavOperation,
  timedOut: { seconds: number } | undefined,
): AsyncClientError {
  if (error instanceof AsyncClientError) return error;
  const cause = timedOut ? `no answer within ${timedOut.seconds} s` : `${errorMessage(error)} (${errorCode(error)})`;
  return new AsyncClientError(
    FolderErrorCode.unreachable,
    `Cannot ${operation.action} ${where(operation)}: the WebDAV server cannot be reached: ${cause}. Check the URL, the network and that the server runs.`,
    { ...operation, systemCode: errorCode(error) },
    { cause: error },
  );
}

/** Any failure of an operation as a folder error: ours as they are, anything else (a source stream's error) as an I/O error. */
export function asFolderError(error: unknown, operation: WebDavOperation): AsyncClientError {
  if (error instanceof AsyncClientError) return error;
  return new AsyncClientError(
    FolderErrorCode.io,
    `Cannot ${operation.action} "${operation.path}" in WebDAV folder ${operation.location}: ${errorMessage(error)}.`,
    { ...operation },
    { cause: error },
  );
}

function where(operation: WebDavOperation): string {
  return operation.path === '' ? `WebDAV folder ${operation.location}` : `"${operation.path}" in WebDAV folder ${operation.location}`;
}
