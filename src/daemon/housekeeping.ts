import { Cron } from 'croner';
import { Counter, type Registry } from 'prom-client';
import { errorCode, errorMessage } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import type { Profile } from '../profile/profile.js';
import type { Clock } from '../schedule/clock.js';
import { planCronJob } from '../schedule/cron-plan.js';
import { channelFolders } from '../workfolder/layout.js';
import { isProbeNameOf } from '../workfolder/paths.js';
import type { WorkingFolder } from '../workfolder/working-folder.js';
import type { JournalRetention } from './journal-retention.js';

/** A temporary file this old was left by a write that will never finish (a crash, a broken upload). */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

export interface HousekeepingDeps {
  readonly workingFolder: WorkingFolder;
  readonly profile: () => Profile;
  readonly log: Logger;
  readonly registry: Registry;
  readonly clock: Clock;
  /** This store's offset (see `planCronJob`), so that a fleet does not sweep at once. */
  readonly offsetMs: number;
  /** The journal's retention, run after the sweep. */
  readonly journal?: JournalRetention;
}

/**
 * The daemon's hourly chores: the journal's retention (JournalRetention), and removes the temporary files our own writers left in the
 * channel's areas of the working folder (heartbeat, status reports, upload packages), the
 * spool names servers build on them, and this store's preflight probes in the shared root.
 * HQ's own temporary files and other stores' probes are left alone. Runs never overlap (croner's `protect`; the job is
 * never replaced) and a failure is logged, never thrown.
 */
export class Housekeeping {
  private readonly swept: Counter<'folder'>;
  private readonly job: Cron;

  constructor(private readonly deps: HousekeepingDeps) {
    this.swept = new Counter({
      name: 'async_client_housekeeping_swept_total',
      help: 'Abandoned temporary files removed from the working folder, by folder.',
      labelNames: ['folder'] as const,
      registers: [deps.registry],
    });
    const plan = planCronJob({ kind: 'interval', minutes: 60 }, deps.clock.now(), deps.offsetMs);
    this.job = new Cron(plan.pattern, { ...plan.options, protect: true }, async () => {
      await this.run();
      await deps.journal?.run();
    });
  }

  /** Sweeps once; resolves with the number of files removed. */
  async run(): Promise<number> {
    const { workingFolder, profile, log, clock } = this.deps;
    const channelId = profile().channel.id;
    const folders = channelFolders(channelId);
    const olderThan = new Date(clock.now().getTime() - ABANDONED_AFTER_MS);
    // The channel's own folders hold only what this store writes; the shared root, only its probes.
    const sweeps: ReadonlyArray<readonly [string, ((name: string) => boolean) | undefined]> = [
      [channelId, undefined],
      [folders.status, undefined],
      [folders.upload, undefined],
      ['', isProbeNameOf(channelId)],
    ];
    let total = 0;
    for (const [folder, only] of sweeps) {
      try {
        const removed = await workingFolder.sweepTemporaries(folder, olderThan, only);
        if (removed > 0) {
          this.swept.inc({ folder }, removed);
          log.info({ folder, removed }, 'housekeeping.swept');
        }
        total += removed;
      } catch (error) {
        log.warn({ folder, code: errorCode(error), message: errorMessage(error) }, 'housekeeping.failed');
      }
    }
    return total;
  }

  stop(): void {
    this.job.stop();
  }
}
