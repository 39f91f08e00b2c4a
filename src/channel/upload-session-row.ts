import type { UploadStatus } from './session-status.js';
import type { CounterRange, UploadSession } from './upload-journal.js';

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
