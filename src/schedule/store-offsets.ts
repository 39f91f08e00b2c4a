import { createHash } from 'node:crypto';
import type { Direction } from '../package/types.js';
import type { CycleSchedule } from '../profile/cycle-schedule.js';

/** The timers whose runs are spread over the fleet. */
export type SpreadTimer = Direction | 'housekeeping' | 'placement';

/** This store's place in its fleet: its rank among the fleet's channels, sorted by id, and how many there are. */
export interface FleetRank {
  readonly rank: number;
  readonly of: number;
}

/** Housekeeping runs hourly. */
export const HOUSEKEEPING_PERIOD_SECONDS = 3600;

/**
 * Where in each period this store runs each cycle, in milliseconds (whole seconds), stable
 * for a channel and direction across restarts and machines, and spread over the whole period
 * across a fleet, so that HQ sees an even load instead of every store at once.
 *
 * - With its `fleet` rank (cycle-placement.ts), the stores are placed evenly: the download of
 *   rank `r` of `n` at `r/n` of its period, the upload half a period and half a step away, so
 *   that the fleet's downloads and uploads interleave at one run every `period/(2n)`.
 * - Without it, the place is hashed from the channel id: uniform, but independent from store
 *   to store, so some seconds get several times the mean (close to Poisson).
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
  fleet?: FleetRank,
): Record<Direction, number> {
  const span = (schedule: CycleSchedule): number => (schedule.kind === 'interval' ? schedule.minutes * 60 : startJitterSeconds + 1);
  const place = (direction: Direction): number => {
    const period = span(schedules[direction]);
    if (fleet === undefined) return spreadSeconds(channelId, direction, period);
    const step = direction === 'download' ? fleet.rank : fleet.rank + Math.floor(fleet.of / 2) + 0.5;
    return Math.floor(((step / fleet.of) % 1) * period);
  };
  const download = place('download');
  let upload = place('upload');
  const common = schedules.download.kind === schedules.upload.kind ? gcd(span(schedules.download), span(schedules.upload)) : 0;
  if (common > 1 && (upload - download) % common === 0) upload = (upload + 1) % span(schedules.upload);
  return { download: download * 1000, upload: upload * 1000 };
}

/** This store's place in the hour for housekeeping. */
export function housekeepingOffsetMs(channelId: string): number {
  return spreadSeconds(channelId, 'housekeeping', HOUSEKEEPING_PERIOD_SECONDS) * 1000;
}

/** This store's place in the hour for looking at its rank in the fleet again. */
export function placementOffsetMs(channelId: string): number {
  return spreadSeconds(channelId, 'placement', HOUSEKEEPING_PERIOD_SECONDS) * 1000;
}

/** A whole second in [0, periodSeconds), uniform over channel ids, from a hash of the channel and the timer. */
function spreadSeconds(channelId: string, timer: SpreadTimer, periodSeconds: number): number {
  const digest = createHash('sha256').update(`${channelId}\0${timer}`).digest();
  return Math.floor((digest.readUIntBE(0, 6) / 2 ** 48) * periodSeconds);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
