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
 * Turns a cycle's schedule and this store's offset into a croner job.
 *
 * The offset spreads a fleet of stores over time so that they do not all reach HQ at
 * the same second. An interval schedule starts counting at `now + offset`, which shifts
 * every run. A pattern keeps the operator's trigger times (they often follow opening
 * hours) and instead delays each run by the offset.
 */
export function planCronJob(schedule: CycleSchedule, now: Date, offsetMs: number): CronPlan {
  if (schedule.kind === 'interval') {
    return {
      pattern: EVERY_SECOND,
      options: { interval: schedule.minutes * 60, startAt: new Date(now.getTime() + offsetMs) },
      runDelayMs: 0,
    };
  }
  return {
    pattern: schedule.pattern,
    options: schedule.timezone === undefined ? {} : { timezone: schedule.timezone },
    runDelayMs: offsetMs,
  };
}

/** This store's offset: uniform in [0, maxSeconds], drawn once per daemon start. */
export function drawStartOffsetMs(maxSeconds: number, random: () => number = Math.random): number {
  return Math.floor(random() * (maxSeconds * 1000 + 1));
}
