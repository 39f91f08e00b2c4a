/** When each cycle runs, as the profile says: an interval, or a cron pattern that overrides it. */
import type { Direction } from '../package/types.js';
import type { Profile } from './profile.js';

export type CycleSchedule =
  | { readonly kind: 'interval'; readonly minutes: number }
  | { readonly kind: 'pattern'; readonly pattern: string; readonly timezone?: string };

export const CYCLE_DIRECTIONS: readonly Direction[] = ['download', 'upload'];

export function cycleSchedule(profile: Pick<Profile, 'profile' | 'schedule'>, direction: Direction): CycleSchedule {
  const pattern = profile.schedule[direction];
  if (pattern !== undefined) {
    const { timezone } = profile.schedule;
    return timezone === undefined ? { kind: 'pattern', pattern } : { kind: 'pattern', pattern, timezone };
  }
  const minutes = direction === 'download' ? profile.profile.downloadIntervalMinutes : profile.profile.uploadIntervalMinutes;
  return { kind: 'interval', minutes };
}

/** `every 15 minutes`, `every minute`, `on "0 *\/15 8-22 * * *" (Europe/Paris)` */
export function describeCycleSchedule(schedule: CycleSchedule): string {
  if (schedule.kind === 'interval') return schedule.minutes === 1 ? 'every minute' : `every ${schedule.minutes} minutes`;
  const zone = schedule.timezone === undefined ? '' : ` (${schedule.timezone})`;
  return `on "${schedule.pattern}"${zone}`;
}

export function sameCycleSchedule(a: CycleSchedule, b: CycleSchedule): boolean {
  if (a.kind === 'interval') return b.kind === 'interval' && a.minutes === b.minutes;
  return b.kind === 'pattern' && a.pattern === b.pattern && a.timezone === b.timezone;
}
