/**
 * Reads a profile HQ publishes (`profiles/<name>.yaml`) into the layer a store lays over its
 * own file, or throws a ProfileError whose lines say file:line:col as for a store's own file.
 * The same check runs when HQ publishes (`profile publish`) and when a store adopts.
 */
import { Value } from '@sinclair/typebox/value';
import type { HqProfileLayer } from '../compose.js';
import { throwIfAny } from '../compose.js';
import { formatFieldPath } from '../field-path.js';
import { ProfileError } from '../profile-error.js';
import { expectationOf } from '../schema-kit.js';
import { schemaProblems } from '../schema-problems.js';
import { publishedSemanticProblems } from '../semantic-problems.js';
import { ProfileSource, type FieldProblem } from '../yaml-source.js';
import { compiledPublishedProfileSchema, PublishedProfileSchema, STORE_ONLY_FIELDS } from './published-schema.js';

/** `^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`, and not `assignments`: it names `profiles/<name>.yaml`. */
const PROFILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function isProfileName(name: string): boolean {
  return PROFILE_NAME_PATTERN.test(name) && name !== 'assignments';
}

/** `file` names the profile in error lines, e.g. `profiles/pilot.yaml`. */
export function parsePublishedProfile(name: string, file: string, text: string): HqProfileLayer {
  const source = ProfileSource.parse(file, text);
  if (source.value === null || source.value === undefined) {
    throw ProfileError.fromIssues('E_PROFILE_INVALID', file, [
      { file, line: 1, column: 1, field: '', expected: expectationOf(PublishedProfileSchema), found: 'an empty file' },
    ]);
  }
  const locate = (problem: FieldProblem) => source.issue(problem);
  throwIfAny(file, locate, schemaProblems(source.value, compiledPublishedProfileSchema).map(explainStoreOnly));
  const defaulted = Value.Default(PublishedProfileSchema, Value.Clone(source.value)) as Parameters<typeof publishedSemanticProblems>[0];
  throwIfAny(file, locate, publishedSemanticProblems(defaulted));
  // The schema accepted a map, so the written value is one.
  return { name, source, written: source.value as Readonly<Record<string, unknown>>, text };
}

/** An unknown field that belongs in a store's own file says so, rather than listing the fields HQ may set. */
function explainStoreOnly(problem: FieldProblem): FieldProblem {
  const what = STORE_ONLY_FIELDS[formatFieldPath(problem.path)];
  if (what === undefined || problem.target !== 'key') return problem;
  return {
    ...problem,
    expected: 'only the sections every store may share: profile, schedule, download, upload',
    found: `"${formatFieldPath(problem.path)}", ${what}, which only each store's own file sets`,
  };
}
