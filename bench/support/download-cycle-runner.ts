import { join } from 'node:path';
import { Registry } from 'prom-client';
import { openSqliteChannelDatabase } from '../../src/channel/sqlite-channel-database.js';
import { createDownloadCycle } from '../../src/download/download-cycle.js';
import { createLogger } from '../../src/observe/logger.js';
import type { Profile } from '../../src/profile/profile.js';
import { systemClock } from '../../src/schedule/clock.js';
import { UPLOAD_RETRY_FIRST_SECONDS, UPLOAD_RETRY_MAX_SECONDS } from '../../src/upload/retry-backoff.js';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { CHANNEL, paths } from './download-fixture.js';

function profileFor(folder: string): Profile {
  const { database, state } = paths();
  return {
    sourcePath: join(state, 'profile.yaml'),
    profile: { name: 'bench', downloadIntervalMinutes: 1, uploadIntervalMinutes: 1 },
    schedule: {},
    channel: { id: CHANNEL, database },
    workingFolder: { adapter: 'local', path: folder },
    stateDirectory: state,
    log: { level: 'info' },
    daemon: { shutdownGraceSeconds: 30, startJitterSeconds: 0, journalRetentionDays: 90 },
    download: {
      tryLimit: 3,
      retryBackoffSeconds: 60,
      gapReportMinutes: 60,
      allowCreateTables: false,
      pollSeconds: 60,
      watchPolling: false,
    },
    upload: {
      maxRowsPerPackage: 1000,
      retryBackoffSeconds: UPLOAD_RETRY_FIRST_SECONDS,
      retryBackoffMaxSeconds: UPLOAD_RETRY_MAX_SECONDS,
      tables: [],
    },
  };
}

/** One download cycle over `folder`; returns the wall time of each `download.applied` line as it was logged. */
export async function runCycle(folder: string): Promise<{ appliedAt: number[]; rows: number }> {
  const { database, state } = paths();
  const profile = profileFor(folder);
  const channelDatabase = await openSqliteChannelDatabase(database, { channelId: CHANNEL, minFreeBytes: 0 });
  await channelDatabase.migrate();
  const appliedAt: number[] = [];
  const log = createLogger('info', {
    write(line: string) {
      if (line.includes('"download.applied"')) appliedAt.push(performance.now());
    },
  });
  const cycle = createDownloadCycle({
    channelDatabase,
    workingFolder: new LocalWorkingFolder(folder),
    profile: () => profile,
    log,
    registry: new Registry(),
    clock: systemClock,
    stagingDirectory: join(state, 'staging'),
  });
  try {
    const report = await cycle.run(new AbortController().signal);
    if (report.outcome !== 'done') throw new Error(`the cycle did not apply everything: ${report.summary}`);
    return { appliedAt, rows: Number(report.fields?.rows) };
  } finally {
    await channelDatabase.close();
  }
}
