import type { DownloadSettings } from '../profile/profile.js';
import { retryAfterSeconds } from '../workfolder/working-folder.js';

/**
 * A package the format refuses (truncated, corrupt, bad checksum or signature, another
 * channel, bad rows) holds the same bytes on every try: retrying cannot heal it, so it is
 * Suspended at once and waits for an operator (`sessions retry` after fixing the pinned key,
 * or `sessions cancel`) or for HQ to replace the file. Everything else (the database busy or
 * full, a schema the POS vendor has not migrated yet, the folder unreachable) may heal by
 * itself and is retried with backoff up to the try limit.
 */
export function cannotHealByRetrying(code: string): boolean {
  return code.startsWith('E_PACKAGE_');
}

/**
 * `retryBackoffSeconds * 2^(tries - 1)` after `now`, where `tries` counts the failure just
 * recorded; never before the server's `Retry-After` when the failure carries one.
 */
export function nextTryAt(settings: Pick<DownloadSettings, 'retryBackoffSeconds'>, tries: number, now: Date, error?: unknown): Date {
  const backoff = settings.retryBackoffSeconds * 2 ** Math.max(0, tries - 1);
  return new Date(now.getTime() + Math.max(backoff, retryAfterSeconds(error) ?? 0) * 1000);
}
