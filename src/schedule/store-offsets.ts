import { createHash } from 'node:crypto';
import type { Direction } from '../package/types.js';
import type { CycleSchedule } from '../profile/cycle-schedule.js';

/** The timers whose runs are spread over the fleet. */
export type SpreadTimer = Direction | 'housekeeping';

/** Housekeeping runs hourly. */
export const HOUSEKEEPING_PERIOD_SECONDS = 3600;

/**
 * Where in each period this store runs each cycle, in milliseconds (whole seconds), stable
 * for a channel and direction across restarts and machines, and spread uniformly over the
 * whole period across a fleet, so that HQ sees an even load instead of every store at once.
 *
 * - An interval schedule runs at the times `t` with `t ≡ offset (mod interval)` counted from
 *   the Unix epoch: the offset lies anywhere in the interval (`planCronJob`).
 * - A pattern keeps the operator's times and delays each run by an offset of at most
 *   `startJitterSeconds`.
 *
 * Download and upload never start in the same second: two interval schedules meet in one
 * second exactly when their offsets agree modulo the gcd of the intervals, so the upload
 * offset moves one second on when they would.
 */
export function storeOffsetsMs(
  channelId: string,
  schedules: Readonly<Record<Direction, CycleSchedule>>,
  startJitterSeconds: number,
): Record<Direction, number> {
  const span = (schedule: CycleSchedule): number => (schedule.kind === 'interval' ? schedule.minutes * 60 : startJitterSeconds + 1);
  const download = spreadSeconds(channelId, 'download', span(schedules.download));
  let upload = spreadSeconds(channelId, 'upload', span(schedules.upload));
  const common = schedules.download.kind === schedules.upload.kind ? gcd(span(schedules.download), span(schedules.upload)) : 0;
  if (common > 1 && (upload - download) % common === 0) upload = (upload + 1) % span(schedules.upload);
  return { download: download * 1000, upload: upload * 1000 };
}

/** This store's place in the hour for housekeeping. */
export function housekeepingOffsetMs(channelId: string): number {
  return spreadSeconds(channelId, 'housekeeping', HOUSEKEEPING_PERIOD_SECONDS) * 1000;
}

/** A whole second in [0, periodSeconds), uniform over channel ids, from a hash of the channel and the timer. */
function spreadSeconds(channelId: string, timer: SpreadTimer, periodSeconds: number): number {
  const digest = createHash('sha256').update(`${channelId}\0${timer}`).digest();
  return Math.floor((digest.readUIntBE(0, 6) / 2 ** 48) * periodSeconds);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
