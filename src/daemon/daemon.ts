import { errorCode, errorMessage } from '../errors.js';
import { HeartbeatWriter } from '../fleet/heartbeat-writer.js';
import type { Logger } from '../observe/logger.js';
import { HealthServer } from '../observe/health-server.js';
import { DaemonMetrics } from '../observe/metrics.js';
import { renderStatusPage } from '../observe/status-page.js';
import { type CycleHealth, type DaemonHealth, readStoreStatus } from '../observe/store-status.js';
import { CYCLE_DIRECTIONS, cycleSchedule, describeCycleSchedule } from '../profile/cycle-schedule.js';
import type { ProfileChecks, RunningProfile } from '../profile/checks/checks.js';
import type { Profile } from '../profile/profile.js';
import type { Direction } from '../package/types.js';
import type { Clock } from '../schedule/clock.js';
import { housekeepingOffsetMs } from '../schedule/store-offsets.js';
import { CyclePlacement } from '../schedule/cycle-placement.js';
import type { Cycle } from '../schedule/cycle.js';
import { CycleScheduler, type CycleResult } from '../schedule/cycle-scheduler.js';
import { packageVersion } from '../cli/version.js';
import { createCycles } from './cycles.js';
import { DownloadPickUp } from '../download/pick-up.js';
import { JournalRetention } from './journal-retention.js';
import { Housekeeping } from './housekeeping.js';
import { HqProfileFollower } from './hq-profile-follower.js';
import { checkUploadTables } from '../upload/upload-tables.js';
import { ProfileReloads } from './profile-reloads.js';
import { ProfileWatcher } from './profile-watcher.js';
import { openStoreResources, type StoreResources } from './store-resources.js';
import { SystemdNotifier } from './systemd-notify.js';

export type DaemonState = 'starting' | 'ready' | 'stopping' | 'stopped';

export interface DaemonOptions {
  /** The profile, already loaded and valid (the CLI reports a bad one before starting): the store's file with the HQ profile it kept. */
  readonly effective: RunningProfile;
  /** Where the profile files are read and checked again: a process of its own (profile/checks/in-subprocess.ts). */
  readonly checks: ProfileChecks;
  readonly log: Logger;
  readonly clock: Clock;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * One store's daemon: owns the lifecycle of everything else.
 *
 * `start` opens and checks the channel database and the working folder, looks at the profile
 * HQ publishes for the store, schedules both cycles, watches the profile, serves /healthz and
 * /metrics, then tells systemd READY=1. `reload` re-reads the profile, and each download run
 * first looks at HQ's profile again; `ProfileReloads` applies a valid change. `stop` stops the
 * timers, lets a cycle in flight finish within the grace period, and closes everything.
 */
export class Daemon {
  private readonly metrics = new DaemonMetrics();
  private readonly results = new Map<Direction, CycleResult>();
  private readonly notifier: SystemdNotifier;
  private readonly scheduler: CycleScheduler;
  private housekeeping: Housekeeping | undefined;
  private placement: CyclePlacement | undefined;
  private pickUp: DownloadPickUp | undefined;
  private heartbeat: HeartbeatWriter | undefined;
  private cycles: readonly Cycle[] = [];
  private resources: StoreResources | undefined;
  private watcher: ProfileWatcher | undefined;
  private healthServer: HealthServer | undefined;
  private state: DaemonState = 'starting';
  private readonly hq: HqProfileFollower;
  private readonly reloads: ProfileReloads;

  constructor(private readonly options: DaemonOptions) {
    const { log, effective } = options;
    this.hq = new HqProfileFollower(
      { stateDirectory: effective.profile.stateDirectory, log, clock: options.clock },
      effective.hqState,
      effective.hqLayer,
      options.checks,
    );
    this.notifier = new SystemdNotifier({
      env: options.env,
      pid: process.pid,
      onError: (error) => log.warn({ code: error.code, ...error.details }, 'systemd.notify_failed'),
    });
    this.scheduler = new CycleScheduler({
      log,
      metrics: this.metrics,
      clock: options.clock,
      onResult: (result) => this.recordResult(result),
    });
    this.reloads = new ProfileReloads({
      effective,
      checks: options.checks,
      hq: this.hq,
      log,
      metrics: this.metrics,
      notifier: this.notifier,
      state: () => this.state,
      adopt: async (profile, rescheduled) => {
        // Both, since one's new interval may move the other's offset (they never start in the same second).
        if (rescheduled) this.placement?.place();
        await this.pickUp?.follow(profile.channel.id, profile.download);
      },
      describeSchedules: () => this.describeSchedules(),
    });
  }

  private get profile(): Profile {
    return this.reloads.profile;
  }

  static async start(options: DaemonOptions): Promise<Daemon> {
    const daemon = new Daemon(options);
    try {
      await daemon.open();
    } catch (error) {
      await daemon.close();
      throw error;
    }
    return daemon;
  }

  /** Re-reads the profile file; reloads are serialized. */
  reload(trigger: 'file' | 'signal'): Promise<void> {
    return this.reloads.reload(trigger);
  }

  /** Resolves true when every cycle finished within the grace period. */
  async stop(signal: string): Promise<boolean> {
    if (this.state === 'stopping' || this.state === 'stopped') return true;
    const { log } = this.options;
    const graceMs = this.profile.daemon.shutdownGraceSeconds * 1000;
    this.state = 'stopping';
    this.metrics.ready.set(0);
    log.info({ signal, graceMs, inFlight: CYCLE_DIRECTIONS.filter((d) => this.scheduler.isRunning(d)) }, 'daemon.stopping');
    void this.notifier.stopping();
    await this.watcher?.close();
    await this.reloads.settled();
    const clean = await this.scheduler.stop(graceMs);
    if (!clean) log.error({ graceMs }, 'daemon.grace_expired');
    await this.close();
    log.info({ clean }, 'daemon.stopped');
    return clean;
  }

  health(): DaemonHealth {
    return {
      ready: this.state === 'ready',
      state: this.state,
      profile: this.profile.profile.name,
      channel: this.profile.channel.id,
      hqProfile: this.hq.status(),
      cycles: Object.fromEntries(
        CYCLE_DIRECTIONS.map((direction) => [
          direction,
          {
            schedule: describeCycleSchedule(cycleSchedule(this.profile, direction)),
            running: this.scheduler.isRunning(direction),
            nextRun: this.scheduler.nextRun(direction),
            last: this.results.get(direction) ?? null,
          } satisfies CycleHealth,
        ]),
      ) as Record<Direction, CycleHealth>,
    };
  }

  /** Where /healthz and /metrics are served, once started; undefined when the profile serves none. */
  healthAddress(): { host: string; port: number } | undefined {
    return this.healthServer?.address();
  }

  private async open(): Promise<void> {
    const { log, clock, effective } = this.options;
    this.reportKeptHqProfile();
    // A store that reached HQ's folder before (it keeps a state file) starts without it, on what it kept.
    this.resources = await openStoreResources(this.profile, {
      startUnreachable: effective.hqState !== undefined,
      lock: { directions: CYCLE_DIRECTIONS, command: 'run' },
      onFolderWorkerFailure: (error) => {
        log.warn({ code: error.code, message: error.message }, 'workfolder.worker_failed');
        this.metrics.folderWorkerFailures.inc();
      },
    });
    const { channelDatabase, workingFolder, folderFreeBytes, folderUnreachable } = this.resources;
    if (folderUnreachable !== undefined) {
      log.warn(
        { code: folderUnreachable.code, message: folderUnreachable.message, hqProfile: this.hq.status().running },
        'preflight.folder_unreachable',
      );
    }
    this.hq.attach(workingFolder, this.profile.channel.id);
    await this.reloads.followHq();
    const { profile } = this;
    // An upload table that cannot be uploaded holds back only itself: said plainly now, not found when uploads time out.
    for (const problem of await checkUploadTables(channelDatabase, profile.upload)) {
      log.warn({ table: problem.table, code: problem.code, message: problem.message }, 'preflight.upload_table');
    }
    const deps = { channelDatabase, workingFolder, profile: () => this.profile, log, registry: this.metrics.registry, clock };
    this.cycles = createCycles(deps, () => this.reloads.followHq());
    const journal = new JournalRetention(deps);
    this.housekeeping = new Housekeeping({ ...deps, offsetMs: housekeepingOffsetMs(profile.channel.id), journal });
    this.heartbeat = new HeartbeatWriter({
      ...deps,
      clientVersion: packageVersion(),
      hqProfile: () => this.hq.status(),
      cycle: (direction) => ({
        schedule: describeCycleSchedule(cycleSchedule(this.profile, direction)),
        last: this.results.get(direction),
        nextRun: this.scheduler.nextRun(direction),
      }),
    });
    this.watcher = await ProfileWatcher.start(profile.sourcePath, {
      onChange: () => void this.reload('file'),
      onError: (error) => log.warn({ code: errorCode(error), message: errorMessage(error) }, 'profile.watch_failed'),
    });
    if (profile.daemon.health !== undefined) {
      this.healthServer = await HealthServer.listen({
        ...profile.daemon.health,
        registry: this.metrics.registry,
        health: () => this.health(),
        page: async () => {
          const status = await readStoreStatus(channelDatabase, this.profile, { state: 'answering', health: this.health() });
          return renderStatusPage(status, clock.now());
        },
        log,
      });
    }
    this.placement = new CyclePlacement({ ...deps, scheduler: this.scheduler, cycles: this.cycles });
    this.pickUp = new DownloadPickUp({
      workingFolder,
      log,
      runDownload: () => this.scheduler.runNow('download'),
      isDownloading: () => this.scheduler.isRunning('download'),
    });
    await this.pickUp.follow(profile.channel.id, profile.download);
    this.state = 'ready';
    this.metrics.ready.set(1);
    log.info(
      {
        profile: profile.profile.name,
        channel: profile.channel.id,
        database: channelDatabase.describe(),
        workingFolder: workingFolder.describe(),
        folderFreeBytes,
        health: this.healthAddress(),
        hqProfile: this.hq.status().running?.name ?? null,
        schedules: this.describeSchedules(),
      },
      'daemon.ready',
    );
    await this.notifier.ready();
    await this.notifier.status(this.statusLine());
    this.notifier.startWatchdog();
  }

  private async close(): Promise<void> {
    this.state = 'stopped';
    this.housekeeping?.stop();
    this.placement?.stop();
    await this.pickUp?.close();
    await this.heartbeat?.stop();
    this.notifier.stopWatchdog();
    await this.watcher?.close();
    await this.healthServer?.close();
    await this.resources?.close();
    await this.notifier.close();
  }

  /** Says at start which HQ profile the store starts on, or why the one it kept cannot run. */
  private reportKeptHqProfile(): void {
    const { log, effective } = this.options;
    const running = this.hq.status().running;
    if (running !== null)
      log.info({ profile: running.name, assignedBy: running.assignedBy, adoptedAt: running.adoptedAt }, 'hq_profile.restored');
    if (effective.hqProblem !== undefined) log.error({ ...effective.hqProblem, running: null }, 'hq_profile.refused');
  }

  private describeSchedules(): Record<string, { schedule: string; nextRun: Date | null }> {
    return Object.fromEntries(
      CYCLE_DIRECTIONS.map((direction) => [
        direction,
        { schedule: describeCycleSchedule(cycleSchedule(this.profile, direction)), nextRun: this.scheduler.nextRun(direction) },
      ]),
    );
  }

  private recordResult(result: CycleResult): void {
    if (result.direction === 'download') this.pickUp?.cycleFinished();
    this.results.set(result.direction, result);
    this.heartbeat?.cycleFinished();
    void this.notifier.status(this.statusLine());
  }

  /** systemd's STATUS=: the last result of each cycle, e.g. `download: done (applied 2) 10:15:00Z; upload: idle`. */
  private statusLine(): string {
    return CYCLE_DIRECTIONS.map((direction) => {
      const last = this.results.get(direction);
      if (last === undefined) return `${direction}: waiting (${describeCycleSchedule(cycleSchedule(this.profile, direction))})`;
      return `${direction}: ${last.outcome} (${last.summary}) ${last.finishedAt.toISOString()}`;
    }).join('; ');
  }
}
