import { Cron } from 'croner';
import { errorCode, errorMessage } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import { CHANNEL_ID_PATTERN } from '../package/file-name.js';
import { cycleSchedule } from '../profile/cycle-schedule.js';
import { PROFILES_FOLDER } from '../profile/hq/published-files.js';
import type { Profile } from '../profile/profile.js';
import type { WorkingFolder } from '../workfolder/working-folder.js';
import type { Clock } from './clock.js';
import { planCronJob } from './cron-plan.js';
import type { Cycle } from './cycle.js';
import type { CycleScheduler } from './cycle-scheduler.js';
import { type FleetRank, placementOffsetMs, storeOffsetsMs } from './store-offsets.js';

/** The fleet changes slowly: its channel folders are listed again once a day. */
const RANK_REFRESH_MS = 24 * 60 * 60 * 1000;

/** What of the profile places the cycles. */
export type PlacedProfile = Pick<Profile, 'profile' | 'schedule' | 'channel' | 'daemon'>;

export interface CyclePlacementDeps {
  readonly workingFolder: WorkingFolder;
  /** The profile in force: a reload changes it. */
  readonly profile: () => PlacedProfile;
  readonly log: Logger;
  readonly clock: Clock;
  readonly scheduler: CycleScheduler;
  readonly cycles: readonly Cycle[];
}

/**
 * Puts this store's cycles on the scheduler at their place in the fleet (store-offsets.ts),
 * with no central service: every store lists the same root of the working folder, where each
 * channel has its folder, so every store derives the same ranking and takes its own even share
 * of each interval. The cycles start at once on the hashed place and move to the ranked one
 * when the first listing answers; the listing is repeated once a day (tried every hour while
 * it fails), and the cycles are placed again only when the rank moved. While no listing has
 * answered (the folder unreachable at start), the hashed place stands.
 */
export class CyclePlacement {
  private fleet: FleetRank | undefined;
  private listedAt: number | undefined;
  private stopped = false;
  private readonly job: Cron;
  /** The listing in flight, if any. */
  private refreshing: Promise<void> | undefined;

  constructor(private readonly deps: CyclePlacementDeps) {
    this.place();
    const channelId = deps.profile().channel.id;
    const plan = planCronJob({ kind: 'interval', minutes: 60 }, deps.clock.now(), placementOffsetMs(channelId));
    this.job = new Cron(plan.pattern, { ...plan.options, protect: true }, () => this.refresh());
    void this.refresh();
  }

  /** Where the store stands in the fleet, once a listing answered. */
  rank(): FleetRank | undefined {
    return this.fleet;
  }

  /** Schedules every cycle at its place (again, after a profile change). */
  place(): void {
    if (this.stopped) return;
    const profile = this.deps.profile();
    const schedules = { download: cycleSchedule(profile, 'download'), upload: cycleSchedule(profile, 'upload') };
    const offsets = storeOffsetsMs(profile.channel.id, schedules, profile.daemon.startJitterSeconds, this.fleet);
    for (const cycle of this.deps.cycles) this.deps.scheduler.set(cycle, schedules[cycle.direction], offsets[cycle.direction]);
  }

  /** Lists the fleet when the last listing is a day old; never throws. Resolves when done. */
  refresh(): Promise<void> {
    this.refreshing ??= this.listFleet().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  stop(): void {
    this.stopped = true;
    this.job.stop();
  }

  private async listFleet(): Promise<void> {
    const { workingFolder, profile, log, clock } = this.deps;
    const now = clock.now().getTime();
    if (this.listedAt !== undefined && now - this.listedAt < RANK_REFRESH_MS) return;
    const channelId = profile().channel.id;
    let folders: string[];
    try {
      folders = await workingFolder.listFolders('');
    } catch (error) {
      log.warn({ code: errorCode(error), message: errorMessage(error), rank: this.fleet ?? null }, 'schedule.fleet_unlisted');
      return;
    }
    this.listedAt = now;
    const fleet = fleetRank(channelId, folders);
    if (fleet.rank === this.fleet?.rank && fleet.of === this.fleet.of) return;
    this.fleet = fleet;
    this.place();
    log.info({ rank: fleet.rank, of: fleet.of }, 'schedule.placed');
  }
}

/**
 * The store's rank among the channel folders of the working folder's root, itself included
 * (its folder may not be there yet), in code-unit order so that every store sorts alike.
 * `profiles/` is HQ's, not a store's.
 */
export function fleetRank(channelId: string, rootFolders: readonly string[]): FleetRank {
  const channels = new Set(rootFolders.filter((name) => name !== PROFILES_FOLDER && CHANNEL_ID_PATTERN.test(name)));
  channels.add(channelId);
  const sorted = [...channels].sort();
  return { rank: sorted.indexOf(channelId), of: sorted.length };
}
