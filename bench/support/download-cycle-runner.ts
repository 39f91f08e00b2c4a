import { dirname, join } from 'node:path';
import { Registry } from 'prom-client';
import { openSqliteChannelDatabase } from '../../src/channel/sqlite-channel-database.js';
import { createDownloadCycle } from '../../src/download/download-cycle.js';
import { createLogger } from '../../src/observe/logger.js';
import type { Profile } from '../../src/profile/profile.js';
import { systemClock } from '../../src/schedule/clock.js';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { testStoreProfile } from '../../test/support/store-profile.js';
import { CHANNEL, paths } from './download-fixture.js';

function profileFor(folder: string): Profile {
  const { database, state } = paths();
  return { ...testStoreProfile({ name: 'bench', root: dirname(state), channelId: CHANNEL, database, folder }), log: { level: 'info' } };
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
