/**
 * The effective profile as `validate --effective` prints it: every field, its value and
 * where the value comes from (default, local, HQ:NAME, override), and which HQ profile is
 * laid over the store's file and why.
 */
import { SECRET_FIELDS } from '../profile.js';
import { REDACTED } from '../diff.js';
import type { FieldSource } from '../compose.js';
import type { EffectiveProfile } from './effective.js';
import { HQ_STATE_FILE } from './hq-state.js';

export interface EffectiveField {
  readonly field: string;
  /** Undefined when the field is not set (an HQ profile with no pattern ends a local one). */
  readonly value: unknown;
  readonly source: FieldSource;
}

export function effectiveFields(effective: EffectiveProfile): EffectiveField[] {
  return [...effective.sources].map(([field, source]) => {
    const value = field.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], effective.document);
    return { field, value: SECRET_FIELDS.includes(field) && value !== undefined ? REDACTED : value, source };
  });
}

/** One line on the HQ profile: which runs and since when, or why none does. */
export function describeHqLayer(effective: EffectiveProfile): string {
  const adopted = effective.hqState?.adopted ?? null;
  const kept = `${effective.profile.stateDirectory}/${HQ_STATE_FILE}`;
  if (effective.hqProblem !== undefined) {
    return `HQ profile: none runs: the one kept in ${kept} is refused (${effective.hqProblem.code}): ${effective.hqProblem.problems.join('; ')}`;
  }
  if (adopted === null)
    return `HQ profile: none (the store's file runs alone${effective.hqState === undefined ? '; HQ not reached yet' : ''})`;
  return `HQ profile: ${adopted.name}, assigned by ${JSON.stringify(adopted.assignedBy)}, adopted ${adopted.adoptedAt} (kept in ${kept})`;
}

/** Aligned columns: FIELD VALUE SOURCE. */
export function renderEffectiveFields(fields: readonly EffectiveField[]): string {
  const rows = [
    ['FIELD', 'VALUE', 'SOURCE'],
    ...fields.map(({ field, value, source }) => [field, value === undefined ? '(not set)' : JSON.stringify(value), source]),
  ];
  const fieldWidth = Math.max(...rows.map(([field = '']) => field.length));
  const valueWidth = Math.max(...rows.map(([, value = '']) => value.length));
  return rows
    .map(([field = '', value = '', source = '']) => `${field.padEnd(fieldWidth)}  ${value.padEnd(valueWidth)}  ${source}\n`)
    .join('');
}
