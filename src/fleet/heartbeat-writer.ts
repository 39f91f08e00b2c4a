import type { ChannelDatabase } from '../channel/channel-database.js';
import { errorCode, errorMessage } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import type { Direction } from '../package/types.js';
import type { HqProfileStatus } from '../profile/hq/hq-state.js';
import type { Profile } from '../profile/profile.js';
import type { Clock } from '../schedule/clock.js';
import type { CycleResult } from '../schedule/cycle-scheduler.js';
import type { WorkingFolder } from '../workfolder/working-folder.js';
import {
  HEARTBEAT_FORMAT,
  HEARTBEAT_VERSION,
  HEARTBEAT_WAITING_LIMIT,
  heartbeatBytes,
  heartbeatPath,
  type CycleBeat,
  type Heartbeat,
} from './heartbeat.js';

/** What the daemon knows of one cycle that the journal does not. */
export interface CycleState {
  readonly schedule: string;
  readonly last: CycleResult | undefined;
  readonly nextRun: Date | null;
}

export interface HeartbeatWriterOptions {
  readonly workingFolder: WorkingFolder;
  readonly channelDatabase: ChannelDatabase;
  readonly clock: Clock;
  readonly log: Logger;
  readonly clientVersion: string;
  /** The profile in force. */
  readonly profile: () => Profile;
  readonly cycle: (direction: Direction) => CycleState;
  /** Which HQ profile runs and why; a store that follows none says so. */
  readonly hqProfile?: () => HqProfileStatus;
  /** Writes are at least this far apart; one minute unless a test says otherwise. */
  readonly minIntervalMs?: number;
}

const ONE_MINUTE_MS = 60_000;

/**
 * Writes the store's heartbeat into the working folder after each cycle, at most once a
 * minute: a cycle that ends sooner after the last write leaves the write to a timer at the end
 * of that minute, which then takes the state of that moment. A failed write is logged and
 * never fails the cycle; the next one tries again.
 */
export class HeartbeatWriter {
  private readonly minIntervalMs: number;
  private lastWriteMs: number | undefined;
  private deferred: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;
  private folderReady = false;

  constructor(private readonly options: HeartbeatWriterOptions) {
    this.minIntervalMs = options.minIntervalMs ?? ONE_MINUTE_MS;
  }

  /** Called when a cycle finished, whatever its outcome. */
  cycleFinished(): void {
    if (this.stopped || this.deferred !== undefined) return;
    const waitMs = this.lastWriteMs === undefined ? 0 : this.lastWriteMs + this.minIntervalMs - this.options.clock.now().getTime();
    if (waitMs <= 0) {
      this.startWrite();
      return;
    }
    this.deferred = setTimeout(() => {
      this.deferred = undefined;
      if (!this.stopped) this.startWrite();
    }, waitMs);
    this.deferred.unref();
  }

  /** Drops a deferred write and waits for one in flight; call before the ports close. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.deferred);
    this.deferred = undefined;
    await this.writing;
  }

  private startWrite(): void {
    this.lastWriteMs = this.options.clock.now().getTime();
    this.writing = this.writing.then(() => this.write());
  }

  private async write(): Promise<void> {
    const { workingFolder, log } = this.options;
    try {
      const heartbeat = await this.collect();
      const path = heartbeatPath(heartbeat.channelId);
      if (!this.folderReady) {
        await workingFolder.ensureDir(heartbeat.channelId);
        this.folderReady = true;
      }
      await workingFolder.writeAtomic(path, heartbeatBytes(heartbeat));
      log.info({ path, appliedThrough: heartbeat.download.appliedThrough, waiting: heartbeat.download.waitingCount }, 'heartbeat.written');
    } catch (error) {
      // A failed write does not count as one: the next cycle tries again at once.
      this.lastWriteMs = undefined;
      log.warn({ code: errorCode(error), message: errorMessage(error) }, 'heartbeat.failed');
    }
  }

  private async collect(): Promise<Heartbeat> {
    const { channelDatabase: db, clock, clientVersion } = this.options;
    const profile = this.options.profile();
    const [appliedThrough, pending, [lastUpload], failedUploads] = await Promise.all([
      db.downloads.highestApplied(),
      db.downloads.pending(),
      db.uploads.list({ limit: 1 }),
      db.uploads.list({ status: 'UploadFailed' }),
    ]);
    return {
      format: HEARTBEAT_FORMAT,
      formatVersion: HEARTBEAT_VERSION,
      channelId: profile.channel.id,
      writtenAt: clock.now().toISOString(),
      clientVersion,
      profile: {
        name: profile.profile.name,
        downloadIntervalMinutes: profile.profile.downloadIntervalMinutes,
        uploadIntervalMinutes: profile.profile.uploadIntervalMinutes,
      },
      hqProfile: this.options.hqProfile?.() ?? { running: null, lastCheck: null },
      download: {
        ...this.cycleBeat('download'),
        appliedThrough,
        waitingCount: pending.length,
        waiting: pending.slice(0, HEARTBEAT_WAITING_LIMIT).map((session) => ({
          sequence: session.sequence,
          status: session.status,
          tries: session.tries,
          message: session.errorMessage,
        })),
      },
      upload: {
        ...this.cycleBeat('upload'),
        lastSequence: lastUpload?.sequence ?? null,
        lastStatus: lastUpload?.status ?? null,
        lastAt: (lastUpload?.uploadedAt ?? lastUpload?.availableAt ?? lastUpload?.startedAt)?.toISOString() ?? null,
        failed: failedUploads.length,
      },
    };
  }

  private cycleBeat(direction: Direction): CycleBeat {
    const { schedule, last, nextRun } = this.options.cycle(direction);
    return {
      schedule,
      last: last === undefined ? null : { outcome: last.outcome, summary: last.summary, finishedAt: last.finishedAt.toISOString() },
      nextRun: nextRun?.toISOString() ?? null,
    };
  }
}
