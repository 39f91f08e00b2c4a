/** First wait after a failed upload; it doubles per failed try up to `UPLOAD_RETRY_MAX_SECONDS`. */
export const UPLOAD_RETRY_FIRST_SECONDS = 30;
const UPLOAD_RETRY_MAX_SECONDS = 15 * 60;

/** When a session that failed for the `tries`-th time (1 = first failure) is tried again. */
export function nextUploadTry(now: Date, tries: number): Date {
  const seconds = Math.min(UPLOAD_RETRY_FIRST_SECONDS * 2 ** Math.max(0, tries - 1), UPLOAD_RETRY_MAX_SECONDS);
  return new Date(now.getTime() + seconds * 1000);
}
