import type { CronOptions } from 'croner';
import type { CycleSchedule } from '../profile/cycle-schedule.js';

/** A croner job as the scheduler creates it: pattern, options, and how long each run waits first. */
export interface CronPlan {
  readonly pattern: string;
  readonly options: Pick<CronOptions, 'interval' | 'startAt' | 'timezone'>;
  /** Delay between a trigger and the cycle's start (pattern schedules only). */
  readonly runDelayMs: number;
}

/** Fires every second, so that croner's `interval` alone decides when an interval job runs. */
const EVERY_SECOND = '* * * * * *';

/**
 * Turns a cycle's schedule and this store's offset for it (`storeOffsetsMs`) into a croner job.
 *
 * An interval schedule runs at the epoch-aligned times `t ≡ offset (mod interval)`: the same
 * place in every interval whenever the daemon started, so a fleet whose offsets are spread
 * stays spread. A pattern keeps the operator's trigger times (they often follow opening hours)
 * and instead delays each run by the offset.
 */
export function planCronJob(schedule: CycleSchedule, now: Date, offsetMs: number): CronPlan {
  if (schedule.kind === 'interval') {
    const periodMs = schedule.minutes * 60_000;
    const first = Math.floor((now.getTime() - offsetMs) / periodMs) * periodMs + offsetMs + periodMs;
    // croner fires at the first whole second after `startAt`.
    return { pattern: EVERY_SECOND, options: { interval: schedule.minutes * 60, startAt: new Date(first - 1) }, runDelayMs: 0 };
  }
  return {
    pattern: schedule.pattern,
    options: schedule.timezone === undefined ? {} : { timezone: schedule.timezone },
    runDelayMs: offsetMs,
  };
}
