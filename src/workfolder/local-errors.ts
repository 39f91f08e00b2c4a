import { AsyncClientError, errorCode, errorMessage } from '../errors.js';
import { FolderErrorCode } from './working-folder.js';

/** What the local adapter was doing when a system call failed, for the error message. */
export interface LocalOperation {
  /** `read`, `write`, `move`, ... */
  readonly action: string;
  /** Relative path inside the folder (`''` for the folder itself). */
  readonly path: string;
  /** Absolute path of the folder's root. */
  readonly root: string;
}

const SYSTEM_CODES: Readonly<Record<string, { code: FolderErrorCode; advice: string }>> = {
  ENOENT: { code: FolderErrorCode.notFound, advice: 'the file or its folder does not exist' },
  ENOTDIR: { code: FolderErrorCode.notFound, advice: 'a segment of the path is a file, not a folder' },
  EEXIST: { code: FolderErrorCode.path, advice: 'a file stands where a folder is needed' },
  EISDIR: { code: FolderErrorCode.path, advice: 'the path names a folder where a file was expected' },
  EACCES: { code: FolderErrorCode.readOnly, advice: 'the daemon user lacks permission; check owner and mode' },
  EPERM: { code: FolderErrorCode.readOnly, advice: 'the operation is not permitted; check owner, mode and attributes' },
  EROFS: { code: FolderErrorCode.readOnly, advice: 'the file system is mounted read-only; remount it read-write' },
  ENOSPC: { code: FolderErrorCode.full, advice: 'the disk is full; free space or grow the volume' },
  EDQUOT: { code: FolderErrorCode.full, advice: 'the disk quota is exhausted; raise the quota or free space' },
  ENOTCONN: { code: FolderErrorCode.unreachable, advice: 'the network mount is disconnected; check the mount' },
  ESTALE: { code: FolderErrorCode.unreachable, advice: 'the network mount went stale; remount it' },
  EHOSTDOWN: { code: FolderErrorCode.unreachable, advice: 'the file server is down' },
  EHOSTUNREACH: { code: FolderErrorCode.unreachable, advice: 'the file server cannot be reached' },
  ETIMEDOUT: { code: FolderErrorCode.unreachable, advice: 'the file server did not answer in time' },
  ECONNREFUSED: { code: FolderErrorCode.unreachable, advice: 'the file server refused the connection' },
  ECONNRESET: { code: FolderErrorCode.unreachable, advice: 'the file server dropped the connection' },
};

/** The one place where the local adapter turns a system error into a folder error. */
export function localFolderError(error: unknown, operation: LocalOperation): AsyncClientError {
  if (error instanceof AsyncClientError) return error;
  const systemCode = errorCode(error);
  const known = SYSTEM_CODES[systemCode];
  const where = operation.path === '' ? `working folder ${operation.root}` : `"${operation.path}" in working folder ${operation.root}`;
  const advice = known?.advice ?? errorMessage(error);
  return new AsyncClientError(
    known?.code ?? FolderErrorCode.io,
    `Cannot ${operation.action} ${where}: ${advice} (${systemCode}).`,
    { ...operation, systemCode },
    { cause: error },
  );
}

/** The folder's root itself is missing or not a folder: nothing inside can be reached. */
export function unreachableRoot(root: string, error: unknown): AsyncClientError {
  return new AsyncClientError(
    FolderErrorCode.unreachable,
    `Working folder ${root} cannot be reached: ${errorMessage(error)}. Check that the path exists, is a folder and, for a network share, is mounted.`,
    { root, systemCode: errorCode(error) },
    { cause: error },
  );
}
