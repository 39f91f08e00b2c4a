import { AsyncClientError } from '../errors.js';
import { joinFolderPath, probePath, type FolderPath } from './paths.js';
import type { DavClient } from './webdav-client.js';
import { webDavStatusError, type WebDavOperation } from './webdav-errors.js';
import { FolderErrorCode } from './working-folder.js';

/**
 * Servers refuse a write to a full disk and to a read-only folder with the same statuses
 * (Apache: 500 for read-only, 507 for full; rclone: 405 for both; others 403), so the status
 * alone cannot tell the operator which. This asks the server: the folder's free space (RFC 4331
 * `quota-available-bytes`, where offered), then whether it takes an empty file. A folder that
 * takes an empty file but refused `bytes` bytes is full; one that refuses even that is read-only.
 */
export async function explainRefusedWrite(
  dav: DavClient,
  folder: FolderPath,
  status: number,
  bytes: number,
  operation: WebDavOperation,
): Promise<AsyncClientError> {
  const where = `"${operation.path}" in WebDAV folder ${operation.location}`;
  const [resource] = (await dav.propfind(folder, 'collection', 0, operation.action).catch(() => undefined)) ?? [];
  const free = resource?.quotaAvailableBytes;
  if (free !== undefined && free < Math.max(bytes, 1)) {
    return new AsyncClientError(
      FolderErrorCode.full,
      `Cannot ${operation.action} ${where}: the server has ${free} bytes free, not enough for ${bytes}; free space or raise the quota on the server (HTTP ${status}).`,
      { ...operation, status, freeBytes: free, bytes },
    );
  }
  const probe = [...folder, ...probePath()];
  const answer = await dav
    .exchange({ method: 'PUT', target: dav.urlFor(probe, 'file'), operation: dav.operation('test writing', probe), body: Buffer.alloc(0) })
    .catch(() => undefined);
  if (answer === undefined) return webDavStatusError(status, operation);
  if (![200, 201, 204].includes(answer.status)) {
    return new AsyncClientError(
      FolderErrorCode.readOnly,
      `Cannot ${operation.action} ${where}: the folder refuses new files (an empty test file was refused too, HTTP ${answer.status}); check that the account may write to ${joinFolderPath(folder) || 'the share'} and that the share is not read-only (HTTP ${status}).`,
      { ...operation, status, probeStatus: answer.status },
    );
  }
  await dav
    .exchange({ method: 'DELETE', target: dav.urlFor(probe, 'file'), operation: dav.operation('remove the probe file', probe) })
    .catch(() => undefined);
  if (bytes === 0) return webDavStatusError(status, operation);
  return new AsyncClientError(
    FolderErrorCode.full,
    `Cannot ${operation.action} ${where}: the server takes an empty file there but refused these ${bytes} bytes, so it is out of space or over quota; free space or raise the quota on the server (HTTP ${status}).`,
    { ...operation, status, bytes },
  );
}
