import type { ChannelDatabase } from '../channel/channel-database.js';
import { createDownloadCycle } from '../download/download-cycle.js';
import { downloadStagingDirectory } from '../download/staging.js';
import type { Logger } from '../observe/logger.js';
import type { Registry } from 'prom-client';
import type { Profile } from '../profile/profile.js';
import type { Clock } from '../schedule/clock.js';
import type { Cycle } from '../schedule/cycle.js';
import type { WorkingFolder } from '../workfolder/working-folder.js';

/** What the daemon hands each cycle: the two ports, the live profile, and the observers. */
export interface CycleDeps {
  readonly channelDatabase: ChannelDatabase;
  readonly workingFolder: WorkingFolder;
  /** The profile in force: a reload changes it between runs. */
  readonly profile: () => Profile;
  readonly log: Logger;
  readonly registry: Registry;
  readonly clock: Clock;
}

/** The store's two cycles. */
export function createCycles(deps: CycleDeps): readonly Cycle[] {
  const stagingDirectory = downloadStagingDirectory(deps.profile().stateDirectory);
  return [createDownloadCycle({ ...deps, stagingDirectory }), idleCycle('upload', deps.log)];
}

function idleCycle(direction: Cycle['direction'], log: Logger): Cycle {
  return {
    direction,
    async run() {
      log.debug({ direction }, 'cycle.nothing_to_do');
      return { outcome: 'idle', summary: 'nothing to do' };
    },
  };
}
