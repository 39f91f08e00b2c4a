/**
 * How a profile HQ published for a store combines with the store's own file. Field by field,
 * highest first: the store's overrides, then HQ's profile, then the store's file, then the
 * defaults (docs/working-folder.md, Profiles). Two rules keep things whole: the `profile`
 * section (the Async Server profile: name, description, intervals) is HQ's as a whole, field
 * overrides aside; and each direction's interval and pattern come from the same layer, so a
 * local pattern never outlives an interval HQ set, and a store that overrides one keeps both.
 */
import type { Direction } from '../../package/types.js';
import { isOverridden, writtenValue } from '../store-overrides.js';
import { HQ_SECTIONS } from './published-schema.js';

type Document = Readonly<Record<string, unknown>>;

export interface MergedLayers {
  /** The store's document with HQ's fields laid over it, as written (no defaults yet). */
  readonly merged: Record<string, unknown>;
  /** The `section.field` paths whose value (or absence) HQ's profile decided. */
  readonly fromHq: ReadonlySet<string>;
}

const TIMING: Readonly<Record<Direction, readonly [interval: string, pattern: string]>> = {
  download: ['profile.downloadIntervalMinutes', 'schedule.download'],
  upload: ['profile.uploadIntervalMinutes', 'schedule.upload'],
};

export function mergeHqProfile(local: Document, hq: Document, overrides: readonly string[]): MergedLayers {
  const merged: Record<string, unknown> = structuredClone(local) as Record<string, unknown>;
  const fromHq = new Set<string>();
  for (const section of HQ_SECTIONS) {
    for (const [key, value] of Object.entries(sectionOf(hq, section))) {
      const field = `${section}.${key}`;
      if (isOverridden(overrides, field)) continue;
      writeField(merged, field, structuredClone(value));
      fromHq.add(field);
    }
  }
  // The Async Server profile is one thing: a local description does not stay under HQ's name.
  for (const key of Object.keys(sectionOf(local, 'profile'))) {
    const field = `profile.${key}`;
    if (fromHq.has(field) || isOverridden(overrides, field)) continue;
    writeField(merged, field, undefined);
    fromHq.add(field);
  }
  for (const fields of Object.values(TIMING)) {
    if (fields.some((field) => isOverridden(overrides, field))) {
      for (const field of fields) {
        writeField(merged, field, writtenValue(local, field));
        fromHq.delete(field);
      }
    } else if (fields.some((field) => fromHq.has(field))) {
      for (const field of fields) {
        if (!fromHq.has(field)) writeField(merged, field, writtenValue(hq, field));
        fromHq.add(field);
      }
    }
  }
  return { merged, fromHq };
}

function sectionOf(document: Document, section: string): Record<string, unknown> {
  const value = document[section];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Sets `section.field`, or removes it when `value` is undefined. */
function writeField(document: Record<string, unknown>, field: string, value: unknown): void {
  const [section = '', key = ''] = field.split('.');
  const target = { ...sectionOf(document, section) };
  if (value === undefined) delete target[key];
  else target[key] = value;
  document[section] = target;
}
