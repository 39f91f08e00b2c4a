import { AsyncClientError } from '../errors.js';

/** Download session statuses, named as in CDX so that operators recognise them. */
export type DownloadStatus = 'Available' | 'Downloaded' | 'Applied' | 'ApplyFailed' | 'Suspended' | 'Canceled';

/** Upload session statuses, named as in CDX. */
export type UploadStatus = 'Started' | 'Available' | 'Uploaded' | 'UploadFailed';

export const DOWNLOAD_STATUSES: readonly DownloadStatus[] = ['Available', 'Downloaded', 'Applied', 'ApplyFailed', 'Suspended', 'Canceled'];
export const UPLOAD_STATUSES: readonly UploadStatus[] = ['Started', 'Available', 'Uploaded', 'UploadFailed'];

/**
 * The one place that says which status may follow which. A status may follow itself
 * where repeating the step is harmless (staging again after a crash, failing again).
 * Applied and Canceled are final; Available is reached again only by an operator's retry.
 */
const DOWNLOAD_NEXT: Readonly<Record<DownloadStatus, readonly DownloadStatus[]>> = {
  Available: ['Downloaded', 'Applied', 'ApplyFailed', 'Suspended', 'Canceled'],
  Downloaded: ['Downloaded', 'Applied', 'ApplyFailed', 'Suspended', 'Canceled'],
  ApplyFailed: ['Available', 'Downloaded', 'Applied', 'ApplyFailed', 'Suspended', 'Canceled'],
  Suspended: ['Available', 'Canceled'],
  Applied: [],
  Canceled: [],
};

/** Uploaded is final: the watermarks moved with it. A failed try is retried from its recorded ranges. */
const UPLOAD_NEXT: Readonly<Record<UploadStatus, readonly UploadStatus[]>> = {
  Started: ['Available', 'Uploaded', 'UploadFailed'],
  Available: ['Available', 'Uploaded', 'UploadFailed'],
  UploadFailed: ['Available', 'Uploaded', 'UploadFailed'],
  Uploaded: [],
};

export function canDownloadStatusBecome(from: DownloadStatus, to: DownloadStatus): boolean {
  return DOWNLOAD_NEXT[from].includes(to);
}

export function canUploadStatusBecome(from: UploadStatus, to: UploadStatus): boolean {
  return UPLOAD_NEXT[from].includes(to);
}

/** A pending download still has to be applied (or canceled) before later sequences may go. */
export function isDownloadPending(status: DownloadStatus): boolean {
  return status !== 'Applied' && status !== 'Canceled';
}

/** Throws `E_SESSION_TRANSITION` unless `from` may become `to`. */
export function assertDownloadTransition(sessionId: number, from: DownloadStatus, to: DownloadStatus): void {
  if (!canDownloadStatusBecome(from, to)) throw transitionError('download', sessionId, from, to, DOWNLOAD_NEXT[from]);
}

export function assertUploadTransition(sessionId: number, from: UploadStatus, to: UploadStatus): void {
  if (!canUploadStatusBecome(from, to)) throw transitionError('upload', sessionId, from, to, UPLOAD_NEXT[from]);
}

function transitionError(
  direction: 'download' | 'upload',
  sessionId: number,
  from: string,
  to: string,
  allowed: readonly string[],
): AsyncClientError {
  const next = allowed.length === 0 ? `${from} is final` : `from ${from} it can only become ${allowed.join(', ')}`;
  return new AsyncClientError('E_SESSION_TRANSITION', `${direction} session ${sessionId} is ${from} and cannot become ${to}: ${next}`, {
    direction,
    sessionId,
    from,
    to,
  });
}
