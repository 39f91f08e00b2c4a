import path from 'node:path';
import type { ChannelSettings, DownloadSettings, Profile, UploadSettings } from '../../src/profile/profile.js';
import { UPLOAD_RETRY_FIRST_SECONDS, UPLOAD_RETRY_MAX_SECONDS } from '../../src/upload/retry-backoff.js';

/** A test store: everything in `root`, the working folder a local one. */
export interface TestStoreLayout {
  readonly name: string;
  readonly root: string;
  readonly channelId: string;
  readonly database: ChannelSettings['database'];
  readonly folder: string;
  readonly download?: DownloadSettings;
  readonly upload?: UploadSettings;
}

/** The profile of a test store as loadProfile would give it: debug logs, no start jitter, one-minute intervals. */
export function testStoreProfile(store: TestStoreLayout): Profile {
  return {
    sourcePath: path.join(store.root, 'profile.yaml'),
    profile: { name: store.name, downloadIntervalMinutes: 1, uploadIntervalMinutes: 1 },
    schedule: {},
    channel: { id: store.channelId, database: store.database },
    workingFolder: { adapter: 'local', path: store.folder },
    stateDirectory: path.join(store.root, 'state'),
    log: { level: 'debug' },
    daemon: { shutdownGraceSeconds: 5, startJitterSeconds: 0, journalRetentionDays: 90 },
    download: store.download ?? {
      tryLimit: 3,
      retryBackoffSeconds: 60,
      gapReportMinutes: 60,
      allowCreateTables: false,
      pollSeconds: 60,
      watchPolling: false,
    },
    upload: store.upload ?? {
      maxRowsPerPackage: 1000,
      retryBackoffSeconds: UPLOAD_RETRY_FIRST_SECONDS,
      retryBackoffMaxSeconds: UPLOAD_RETRY_MAX_SECONDS,
      tables: [],
    },
  };
}
