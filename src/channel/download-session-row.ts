import { AsyncClientError } from '../errors.js';
import type { DownloadSession, SeenPackage, SessionFailure } from './download-journal.js';
import { isDownloadPending, type DownloadStatus } from './session-status.js';

/** A download session as the journal's table holds it: times as ISO 8601 text. */
export interface DownloadSessionRow {
  id: number;
  channel_id: string;
  sequence: number;
  job_id: string;
  file_name: string;
  size: number;
  checksum: string;
  status: DownloadStatus;
  tries: number;
  rows_affected: string;
  error_code: string | null;
  error_message: string | null;
  next_try_at: string | null;
  available_at: string;
  downloaded_at: string | null;
  applied_at: string | null;
  failed_at: string | null;
  suspended_at: string | null;
  canceled_at: string | null;
  canceled_by: string | null;
  cancel_reason: string | null;
  updated_at: string;
}

const date = (text: string | null): Date | null => (text === null ? null : new Date(text));

export function toDownloadSession(row: DownloadSessionRow): DownloadSession {
  return {
    id: row.id,
    channelId: row.channel_id,
    sequence: row.sequence,
    jobId: row.job_id,
    fileName: row.file_name,
    size: row.size,
    checksum: row.checksum,
    status: row.status,
    tries: row.tries,
    rowsAffected: JSON.parse(row.rows_affected) as Record<string, number>,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    nextTryAt: date(row.next_try_at),
    availableAt: new Date(row.available_at),
    downloadedAt: date(row.downloaded_at),
    appliedAt: date(row.applied_at),
    failedAt: date(row.failed_at),
    suspendedAt: date(row.suspended_at),
    canceledAt: date(row.canceled_at),
    canceledBy: row.canceled_by,
    cancelReason: row.cancel_reason,
    updatedAt: new Date(row.updated_at),
  };
}

/** A package seen with another checksum for a sequence that is Applied or still pending. */
export function sequenceConflict(existing: DownloadSession, pkg: SeenPackage): AsyncClientError {
  const what = isDownloadPending(existing.status)
    ? `is still ${existing.status} as session ${existing.id}: cancel that session to accept the new file`
    : `was already Applied (session ${existing.id}): HQ must not reuse a sequence; ask HQ which package is right`;
  return new AsyncClientError(
    'E_SEQUENCE_CONFLICT',
    `package ${pkg.fileName} has sequence ${pkg.sequence} with checksum ${pkg.checksum}, but sequence ${pkg.sequence} with checksum ${existing.checksum} ${what}`,
    {
      sequence: pkg.sequence,
      checksum: pkg.checksum,
      existingChecksum: existing.checksum,
      existingSessionId: existing.id,
      existingStatus: existing.status,
    },
  );
}

/** Column values a status change writes besides `status` and `updated_at`, given the time and the session before. */
export type DownloadChanges = (now: string, session: DownloadSession) => Readonly<Record<string, string | number | null>>;

/** What each status change writes, the same in every engine's journal. */
export const downloadChanges = {
  downloaded: (): DownloadChanges => (now) => ({ downloaded_at: now }),
  applyFailed:
    (failure: SessionFailure, nextTryAt: Date | null): DownloadChanges =>
    (now, session) => ({
      tries: session.tries + 1,
      error_code: failure.code,
      error_message: failure.message,
      next_try_at: nextTryAt?.toISOString() ?? null,
      failed_at: now,
    }),
  suspended:
    (failure?: SessionFailure): DownloadChanges =>
    (now, session) => ({
      error_code: failure?.code ?? session.errorCode,
      error_message: failure?.message ?? session.errorMessage,
      next_try_at: null,
      suspended_at: now,
    }),
  canceled:
    (by: string, reason: string): DownloadChanges =>
    (now) => ({ canceled_at: now, canceled_by: by, cancel_reason: reason, next_try_at: null }),
  retried: (): DownloadChanges => () => ({ tries: 0, next_try_at: null }),
  applied:
    (rowsAffected: Readonly<Record<string, number>>): DownloadChanges =>
    (now) => ({ applied_at: now, rows_affected: JSON.stringify(rowsAffected), error_code: null, error_message: null, next_try_at: null }),
};
