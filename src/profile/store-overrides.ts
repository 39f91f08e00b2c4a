/**
 * `storeOverrides`: the fields of a store's own file that win over the profile HQ publishes
 * for it. Each entry is a section HQ may set (`schedule`) or one of its fields
 * (`profile.uploadIntervalMinutes`), and must be a field the file itself sets.
 */
import { OVERRIDABLE_FIELDS } from './hq/published-schema.js';
import type { FieldProblem } from './yaml-source.js';

/** Whether `field` (`section.field`) is one of the store's overrides, itself or through its section. */
export function isOverridden(overrides: readonly string[], field: string): boolean {
  const [section] = field.split('.');
  return overrides.includes(field) || (section !== undefined && overrides.includes(section));
}

/** The entries that name no field HQ may set, or a field the store's own file leaves out. */
export function storeOverrideProblems(written: Readonly<Record<string, unknown>>, overrides: readonly string[]): FieldProblem[] {
  return overrides.flatMap((field, index): FieldProblem[] => {
    const path = ['storeOverrides', index];
    if (!OVERRIDABLE_FIELDS.includes(field)) {
      return [
        {
          path,
          target: 'value',
          expected:
            'a section HQ may set (profile, schedule, download, upload) or one of its fields, such as "profile.uploadIntervalMinutes"',
          found: JSON.stringify(field),
        },
      ];
    }
    if (writtenValue(written, field) === undefined) {
      return [{ path, target: 'value', expected: 'a field this file sets', found: `${JSON.stringify(field)}, which this file leaves out` }];
    }
    return [];
  });
}

/** The value a document holds at `section` or `section.field`, as written. */
export function writtenValue(written: Readonly<Record<string, unknown>>, field: string): unknown {
  const [section = '', key] = field.split('.');
  const sectionValue = written[section];
  if (key === undefined) return sectionValue;
  return typeof sectionValue === 'object' && sectionValue !== null ? (sectionValue as Record<string, unknown>)[key] : undefined;
}
