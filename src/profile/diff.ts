/** What a reload changed, for the `profile.reloaded` log line and for rescheduling. */
import type { Direction } from '../package/types.js';
import { CYCLE_DIRECTIONS, cycleSchedule, sameCycleSchedule } from './cycle-schedule.js';
import { SECRET_FIELDS, type Profile } from './profile.js';
import { formatFieldPath, type FieldPath } from './field-path.js';

export const REDACTED = '[redacted]';

export interface ProfileFieldChange {
  /** Dotted path such as `profile.downloadIntervalMinutes`. */
  readonly field: string;
  /** `null` when the field was absent. */
  readonly previous: unknown;
  readonly next: unknown;
}

export interface ProfileChange {
  /** Empty when the two profiles are equal. */
  readonly fields: readonly ProfileFieldChange[];
  /** Directions whose cycle schedule (interval, pattern or time zone) changed: reschedule these. */
  readonly rescheduled: readonly Direction[];
}

export function describeProfileChange(previous: Profile, next: Profile): ProfileChange {
  return {
    fields: changedFields(previous, next, []),
    rescheduled: CYCLE_DIRECTIONS.filter(
      (direction) => !sameCycleSchedule(cycleSchedule(previous, direction), cycleSchedule(next, direction)),
    ),
  };
}

function changedFields(previous: unknown, next: unknown, path: FieldPath): ProfileFieldChange[] {
  if (isWalkable(previous) && isWalkable(next) && Array.isArray(previous) === Array.isArray(next)) {
    const keys = new Set([...Object.keys(previous), ...Object.keys(next)]);
    return [...keys].flatMap((key) => {
      const segment = Array.isArray(previous) ? Number(key) : key;
      return changedFields((previous as Record<string, unknown>)[key], (next as Record<string, unknown>)[key], [...path, segment]);
    });
  }
  if (previous === next) return [];
  const field = formatFieldPath(path);
  const secret = SECRET_FIELDS.includes(field);
  return [{ field, previous: shown(previous, secret), next: shown(next, secret) }];
}

function isWalkable(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function shown(value: unknown, secret: boolean): unknown {
  if (value === undefined) return null;
  return secret ? REDACTED : value;
}
