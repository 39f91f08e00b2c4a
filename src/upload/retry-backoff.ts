import type { UploadSettings } from '../profile/profile.js';

/** Defaults of upload.retryBackoffSeconds and upload.retryBackoffMaxSeconds. */
export const UPLOAD_RETRY_FIRST_SECONDS = 30;
export const UPLOAD_RETRY_MAX_SECONDS = 15 * 60;

/**
 * When a session that failed for the `tries`-th time (1 = first failure) is tried again:
 * `retryBackoffSeconds * 2^(tries - 1)`, at most `retryBackoffMaxSeconds` and at most one
 * interval of the cycle (`intervalSeconds`, for an interval schedule), so that once the server
 * is back, uploads resume at the next run, never several intervals later; and never before
 * the server's own `Retry-After`. A success starts the next failure at the first backoff again.
 */
export function nextUploadTry(
  now: Date,
  tries: number,
  settings: Pick<UploadSettings, 'retryBackoffSeconds' | 'retryBackoffMaxSeconds'>,
  limits: { readonly intervalSeconds?: number; readonly retryAfterSeconds?: number } = {},
): Date {
  const doubled = settings.retryBackoffSeconds * 2 ** Math.max(0, tries - 1);
  const backoff = Math.min(doubled, settings.retryBackoffMaxSeconds, limits.intervalSeconds ?? Number.POSITIVE_INFINITY);
  const seconds = Math.max(backoff, limits.retryAfterSeconds ?? 0);
  return new Date(now.getTime() + seconds * 1000);
}
