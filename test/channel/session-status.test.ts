import {
  assertDownloadTransition,
  assertUploadTransition,
  canDownloadStatusBecome,
  canUploadStatusBecome,
  DOWNLOAD_STATUSES,
  isDownloadPending,
  UPLOAD_STATUSES,
  type DownloadStatus,
  type UploadStatus,
} from '../../src/channel/session-status.js';

const downloadSources = (to: DownloadStatus): DownloadStatus[] => DOWNLOAD_STATUSES.filter((from) => canDownloadStatusBecome(from, to));
const uploadSources = (to: UploadStatus): UploadStatus[] => UPLOAD_STATUSES.filter((from) => canUploadStatusBecome(from, to));

describe('download status transitions', () => {
  test('Applied and Canceled are final', () => {
    for (const to of DOWNLOAD_STATUSES) {
      expect(canDownloadStatusBecome('Applied', to)).toBe(false);
      expect(canDownloadStatusBecome('Canceled', to)).toBe(false);
    }
  });

  test('every pending status can be canceled by an operator; nothing final can', () => {
    expect(downloadSources('Canceled')).toEqual(DOWNLOAD_STATUSES.filter(isDownloadPending));
  });

  test('only an operator retry (from ApplyFailed or Suspended) makes a package Available again', () => {
    expect(downloadSources('Available')).toEqual(['ApplyFailed', 'Suspended']);
  });

  test('a Suspended package waits for an operator: it is never applied, staged or failed again by itself', () => {
    expect(DOWNLOAD_STATUSES.filter((to) => canDownloadStatusBecome('Suspended', to))).toEqual(['Available', 'Canceled']);
  });

  test('a package is applied from a seen, staged or failed-and-due state only', () => {
    expect(downloadSources('Applied')).toEqual(['Available', 'Downloaded', 'ApplyFailed']);
  });

  test('a forbidden change throws E_SESSION_TRANSITION saying what is allowed', () => {
    expect(() => assertDownloadTransition(7, 'Suspended', 'Applied')).toThrow(
      expect.objectContaining({
        code: 'E_SESSION_TRANSITION',
        message: 'download session 7 is Suspended and cannot become Applied: from Suspended it can only become Available, Canceled',
      }),
    );
    expect(() => assertDownloadTransition(7, 'Downloaded', 'Applied')).not.toThrow();
  });
});

describe('upload status transitions', () => {
  test('Uploaded is final and Started is only ever the first status', () => {
    for (const to of UPLOAD_STATUSES) expect(canUploadStatusBecome('Uploaded', to)).toBe(false);
    expect(uploadSources('Started')).toEqual([]);
  });

  test('a failed upload can be built, failed or completed again', () => {
    expect(UPLOAD_STATUSES.filter((to) => canUploadStatusBecome('UploadFailed', to))).toEqual(['Available', 'Uploaded', 'UploadFailed']);
  });

  test('a forbidden change throws E_SESSION_TRANSITION', () => {
    expect(() => assertUploadTransition(3, 'Uploaded', 'UploadFailed')).toThrow(
      expect.objectContaining({
        code: 'E_SESSION_TRANSITION',
        message: 'upload session 3 is Uploaded and cannot become UploadFailed: Uploaded is final',
      }),
    );
  });
});
