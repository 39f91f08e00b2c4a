import { setTimeout as sleep } from 'node:timers/promises';
import { Cron } from 'croner';
import { errorCode, errorMessage } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import type { DaemonMetrics } from '../observe/metrics.js';
import type { Direction } from '../package/types.js';
import type { CycleSchedule } from '../profile/cycle-schedule.js';
import type { Clock } from './clock.js';
import { planCronJob } from './cron-plan.js';
import type { Cycle, CycleReport } from './cycle.js';

/** How a run ended, as /healthz and systemd's STATUS= show it. */
export interface CycleResult {
  readonly direction: Direction;
  readonly outcome: CycleReport['outcome'] | 'error';
  readonly summary: string;
  readonly finishedAt: Date;
}

export interface CycleSchedulerOptions {
  readonly log: Logger;
  readonly metrics: DaemonMetrics;
  readonly clock: Clock;
  /** Told after every run, whatever its outcome. */
  readonly onResult: (result: CycleResult) => void;
}

interface ScheduledCycle {
  readonly cycle: Cycle;
  readonly schedule: CycleSchedule;
  readonly job: Cron;
}

/**
 * Runs each cycle on its own croner job. A cycle never overlaps itself: a trigger that
 * finds the previous run still going is logged and counted as an overrun, and skipped.
 * The guard is ours rather than croner's `protect` because a reload replaces the job
 * while a run of the old one may still be in flight. A cycle that throws is logged and
 * counted; the scheduler keeps going.
 */
export class CycleScheduler {
  private readonly scheduled = new Map<Direction, ScheduledCycle>();
  private readonly inFlight = new Map<Direction, Promise<void>>();
  private readonly shutdown = new AbortController();

  constructor(private readonly options: CycleSchedulerOptions) {}

  /**
   * Schedules a cycle at this store's `offsetMs` (store-offsets.ts), or replaces its schedule;
   * a run in flight goes on undisturbed.
   */
  set(cycle: Cycle, schedule: CycleSchedule, offsetMs = 0): void {
    if (this.shutdown.signal.aborted) return;
    this.scheduled.get(cycle.direction)?.job.stop();
    const plan = planCronJob(schedule, this.options.clock.now(), offsetMs);
    const job = new Cron(plan.pattern, plan.options, () => {
      this.trigger(cycle, plan.runDelayMs);
    });
    this.scheduled.set(cycle.direction, { cycle, schedule, job });
  }

  /** Runs a cycle now, outside its schedule (e.g. a new package appeared); same overrun rule. */
  runNow(direction: Direction): void {
    const entry = this.scheduled.get(direction);
    if (entry !== undefined && !this.shutdown.signal.aborted) this.trigger(entry.cycle, 0);
  }

  nextRun(direction: Direction): Date | null {
    return this.scheduled.get(direction)?.job.nextRun() ?? null;
  }

  schedule(direction: Direction): CycleSchedule | undefined {
    return this.scheduled.get(direction)?.schedule;
  }

  isRunning(direction: Direction): boolean {
    return this.inFlight.has(direction);
  }

  /**
   * Stops every timer and tells runs in flight to finish the package in hand and start no
   * other. Resolves true when they are done within `graceMs`, false when time ran out.
   */
  async stop(graceMs: number): Promise<boolean> {
    for (const { job } of this.scheduled.values()) job.stop();
    this.shutdown.abort();
    const idle = Promise.all(this.inFlight.values()).then(() => true);
    const timeout = sleep(graceMs, false, { ref: false });
    return Promise.race([idle, timeout]);
  }

  private trigger(cycle: Cycle, delayMs: number): void {
    const { direction } = cycle;
    const { log, metrics } = this.options;
    if (this.inFlight.has(direction)) {
      metrics.cycleOverruns.inc({ direction });
      log.warn({ direction, nextRun: this.nextRun(direction) }, 'cycle.overrun');
      return;
    }
    const run = this.run(cycle, delayMs).then((result) => {
      this.inFlight.delete(direction);
      if (result !== undefined) this.options.onResult(result);
    });
    this.inFlight.set(direction, run);
  }

  /** One run, never throwing; undefined when shutdown came during the start delay. */
  private async run(cycle: Cycle, delayMs: number): Promise<CycleResult | undefined> {
    const { direction } = cycle;
    const { log, metrics, clock } = this.options;
    const { signal } = this.shutdown;
    if (delayMs > 0) {
      const aborted = await sleep(delayMs, false, { signal }).catch(() => true);
      if (aborted) return undefined;
    }
    const started = clock.now();
    log.info({ direction }, 'cycle.started');
    const endTimer = metrics.cycleDuration.startTimer({ direction });
    let result: CycleResult;
    try {
      const report = await cycle.run(signal);
      const durationMs = clock.now().getTime() - started.getTime();
      const level = report.outcome === 'failed' ? 'warn' : 'info';
      log[level]({ direction, outcome: report.outcome, summary: report.summary, durationMs, ...report.fields }, 'cycle.finished');
      result = { direction, outcome: report.outcome, summary: report.summary, finishedAt: clock.now() };
    } catch (error) {
      log.error({ direction, code: errorCode(error), err: error }, 'cycle.failed');
      result = { direction, outcome: 'error', summary: `${errorCode(error)}: ${errorMessage(error)}`, finishedAt: clock.now() };
    }
    endTimer();
    metrics.cycleRuns.inc({ direction, outcome: result.outcome });
    metrics.cycleLastFinished.set({ direction, outcome: result.outcome }, result.finishedAt.getTime() / 1000);
    return result;
  }
}
