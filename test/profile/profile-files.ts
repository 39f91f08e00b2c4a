import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Profile } from '../../src/profile/profile.js';
import { UPLOAD_RETRY_FIRST_SECONDS, UPLOAD_RETRY_MAX_SECONDS } from '../../src/upload/retry-backoff.js';

/** A minimal valid profile; tests edit one line of it so that positions stay known. */
export const MINIMAL_PROFILE = `profile:
  name: Store 0042
  downloadIntervalMinutes: 15
  uploadIntervalMinutes: 15
channel:
  id: store-0042
workingFolder:
  adapter: local
  path: exchange
`;

/** A loaded profile, as loadProfile returns it, with a secret to redact. */
export const SAMPLE_PROFILE: Profile = {
  sourcePath: '/etc/async-client/profile.yaml',
  profile: { name: 'Store 0042', downloadIntervalMinutes: 15, uploadIntervalMinutes: 15 },
  schedule: {},
  channel: { id: 'store-0042', database: '/var/lib/async-client/channel.sqlite' },
  workingFolder: { adapter: 'webdav', url: 'https://hq.example/dav/', username: 'store', password: 'old-secret', timeoutSeconds: 30 },
  stateDirectory: '/var/lib/async-client',
  log: { level: 'info' },
  daemon: { shutdownGraceSeconds: 30, startJitterSeconds: 30, journalRetentionDays: 90 },
  download: { tryLimit: 3, retryBackoffSeconds: 60, gapReportMinutes: 60, allowCreateTables: false, pollSeconds: 60, watchPolling: false },
  upload: {
    maxRowsPerPackage: 50000,
    retryBackoffSeconds: UPLOAD_RETRY_FIRST_SECONDS,
    retryBackoffMaxSeconds: UPLOAD_RETRY_MAX_SECONDS,
    tables: [{ name: 'sales_line', counterColumn: 'rowid' }],
  },
};

/** A temp folder per test, removed afterwards. */
export class ProfileFolder {
  private constructor(readonly root: string) {}

  static async create(): Promise<ProfileFolder> {
    return new ProfileFolder(await mkdtemp(path.join(os.tmpdir(), 'async-client-profile-')));
  }

  async write(name: string, text: string): Promise<string> {
    const file = path.join(this.root, name);
    await writeFile(file, text);
    return file;
  }

  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
