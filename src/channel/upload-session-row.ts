import type { UploadStatus } from './session-status.js';
import type { SessionFailure } from './download-journal.js';
import type { BuiltPackage, CounterRange, UploadSession } from './upload-journal.js';

/** An upload session as the journal's table holds it: times as ISO 8601 text. */
export interface UploadSessionRow {
  id: number;
  channel_id: string;
  sequence: number;
  status: UploadStatus;
  rows: number;
  file_name: string | null;
  size: number | null;
  checksum: string | null;
  tries: number;
  error_code: string | null;
  error_message: string | null;
  next_try_at: string | null;
  started_at: string;
  available_at: string | null;
  uploaded_at: string | null;
  failed_at: string | null;
  updated_at: string;
}

const date = (text: string | null): Date | null => (text === null ? null : new Date(text));

export function toUploadSession(row: UploadSessionRow, ranges: readonly CounterRange[]): UploadSession {
  return {
    id: row.id,
    channelId: row.channel_id,
    sequence: row.sequence,
    status: row.status,
    ranges,
    rows: row.rows,
    fileName: row.file_name,
    size: row.size,
    checksum: row.checksum,
    tries: row.tries,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    nextTryAt: date(row.next_try_at),
    startedAt: new Date(row.started_at),
    availableAt: date(row.available_at),
    uploadedAt: date(row.uploaded_at),
    failedAt: date(row.failed_at),
    updatedAt: new Date(row.updated_at),
  };
}

type UploadChanges = Record<string, string | number | null>;

/** What each upload status change writes besides `status` and `updated_at`, the same in every engine's journal. */
export const uploadChanges = {
  available: (pkg: BuiltPackage, now: string): UploadChanges => ({
    file_name: pkg.fileName,
    size: pkg.size,
    checksum: pkg.checksum,
    available_at: now,
  }),
  failed: (failure: SessionFailure, nextTryAt: Date | null, now: string, session: UploadSession): UploadChanges => ({
    tries: session.tries + 1,
    error_code: failure.code,
    error_message: failure.message,
    next_try_at: nextTryAt?.toISOString() ?? null,
    failed_at: now,
  }),
  uploaded: (pkg: BuiltPackage, now: string): UploadChanges => ({
    file_name: pkg.fileName,
    size: pkg.size,
    checksum: pkg.checksum,
    uploaded_at: now,
    error_code: null,
    error_message: null,
    next_try_at: null,
  }),
};
