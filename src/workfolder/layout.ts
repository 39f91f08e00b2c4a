import type { DownloadStatus } from '../channel/session-status.js';
import { AsyncClientError } from '../errors.js';
import { CHANNEL_ID_PATTERN } from '../package/file-name.js';
import { FolderErrorCode } from './working-folder.js';

/**
 * Where one channel's packages live in the folder shared with HQ. This is a contract with
 * HQ's integrators: docs/working-folder.md describes it, and a change here is a change
 * there.
 */
export interface ChannelFolders {
  /** `<channel>/download`: HQ writes download packages; we read them. */
  readonly download: string;
  /** `<channel>/download/applied`: we move a package here once it is Applied. */
  readonly applied: string;
  /** `<channel>/download/canceled`: we move a package here once an operator cancels it. */
  readonly canceled: string;
  /** `<channel>/download/status`: we keep one status report per download package here. */
  readonly status: string;
  /** `<channel>/upload`: we write upload packages; HQ reads them and removes them when imported. */
  readonly upload: string;
}

export function channelFolders(channelId: string): ChannelFolders {
  if (!CHANNEL_ID_PATTERN.test(channelId)) {
    throw new AsyncClientError(
      FolderErrorCode.path,
      `Channel id ${JSON.stringify(channelId)} cannot name a working-folder area: use 1 to 64 letters, digits, "_" or "-", starting with a letter or digit.`,
      { channelId },
    );
  }
  const download = `${channelId}/download`;
  return {
    download,
    applied: `${download}/applied`,
    canceled: `${download}/canceled`,
    status: `${download}/status`,
    upload: `${channelId}/upload`,
  };
}

/** What we tell HQ about one download package, as JSON in `status/<package file name>.json`. */
export interface PackageStatusReport {
  /** The package's file name. */
  readonly package: string;
  readonly channelId: string;
  readonly sequence: number;
  readonly status: DownloadStatus;
  /** Apply attempts so far. */
  readonly tries: number;
  /** Why the last attempt failed, or why the package waits; null when nothing is wrong. */
  readonly message: string | null;
  /** Rows written per table once Applied; empty before. */
  readonly rowsAffected: Readonly<Record<string, number>>;
  /** ISO 8601 UTC time of this status. */
  readonly updatedAt: string;
}

export function statusReportPath(folders: ChannelFolders, packageName: string): string {
  return `${folders.status}/${packageName}.json`;
}

/** The report as HQ reads it: UTF-8 JSON, one object, a final newline. */
export function statusReportBytes(report: PackageStatusReport): Buffer {
  return Buffer.from(`${JSON.stringify(report, null, 2)}\n`);
}
