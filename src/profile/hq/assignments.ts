/**
 * `profiles/assignments.yaml`: which stores run which published profile.
 *
 * ```yaml
 * assignments:
 *   store-0042: pilot     # one channel id
 *   store-00*: north      # a glob: * any run of characters, ? one character
 *   "*": standard
 * ```
 *
 * When several entries match a channel, the rule is fixed, never chance: an exact channel id
 * wins; else the glob with the most literal (non-wildcard) characters; else, between globs
 * equally specific, the one listed first.
 */
import { isMap, parseDocument, type Document } from 'yaml';
import { throwIfAny } from '../compose.js';
import type { ProfileIssue } from '../profile-error.js';
import { describeFound } from '../schema-problems.js';
import { ProfileSource, type FieldProblem } from '../yaml-source.js';
import { isProfileName } from './published-profile.js';

export const ASSIGNMENT_PATTERN = /^[A-Za-z0-9_*?-]{1,64}$/;
const PATTERN_PHRASE = "a channel id or a glob of 1 to 64 letters, digits, '_', '-', '*' or '?'";
const NAME_PHRASE = "a profile name (1 to 64 letters, digits, '_' or '-', starting with a letter or digit; not \"assignments\")";

export interface Assignment {
  /** A channel id, or a glob over channel ids. */
  readonly pattern: string;
  /** The profile's name: `profiles/<profile>.yaml`. */
  readonly profile: string;
}

export interface AssignmentMatch {
  readonly assignment: Assignment;
  /** The other entries that matched the channel and lost by the rule above. */
  readonly outranked: readonly string[];
}

export class Assignments {
  private constructor(
    private readonly source: ProfileSource,
    readonly entries: readonly Assignment[],
  ) {}

  /** Throws a ProfileError (file:line:col) for YAML that is not an assignments map. */
  static parse(file: string, text: string): Assignments {
    const source = ProfileSource.parse(file, text);
    const value = source.value ?? {};
    const problems: FieldProblem[] = [];
    const map = isPlainMap(value) ? value : undefined;
    if (map === undefined)
      problems.push({ path: [], target: 'value', expected: 'a map with the field assignments', found: describeFound(value) });
    for (const key of Object.keys(map ?? {}).filter((key) => key !== 'assignments')) {
      problems.push({ path: [key], target: 'key', expected: 'only the field assignments', found: `an unknown field "${key}"` });
    }
    const assignments = map?.assignments ?? {};
    if (!isPlainMap(assignments)) {
      problems.push({
        path: ['assignments'],
        target: 'value',
        expected: 'a map of channel id or glob to profile name',
        found: describeFound(assignments),
      });
    }
    const entries: Assignment[] = [];
    for (const [pattern, profile] of Object.entries(isPlainMap(assignments) ? assignments : {})) {
      const path = ['assignments', pattern];
      if (!ASSIGNMENT_PATTERN.test(pattern))
        problems.push({ path, target: 'key', expected: PATTERN_PHRASE, found: describeFound(pattern) });
      else if (typeof profile !== 'string' || !isProfileName(profile))
        problems.push({ path, target: 'value', expected: NAME_PHRASE, found: describeFound(profile) });
      else entries.push({ pattern, profile });
    }
    throwIfAny(file, (problem) => source.issue(problem), problems);
    return new Assignments(source, entries);
  }

  get file(): string {
    return this.source.file;
  }

  /** The entry that assigns `channelId` a profile, by the rule above; undefined when none matches. */
  match(channelId: string): AssignmentMatch | undefined {
    const matching = this.entries
      .map((assignment, order) => ({ assignment, order, rank: specificity(assignment.pattern) }))
      .filter(({ assignment }) => globMatches(assignment.pattern, channelId))
      .sort((a, b) => b.rank - a.rank || a.order - b.order);
    const [winner, ...others] = matching;
    if (winner === undefined) return undefined;
    return { assignment: winner.assignment, outranked: others.map(({ assignment }) => assignment.pattern) };
  }

  /** Where an entry is, to say what is wrong with the profile it names. */
  issue(assignment: Assignment, expected: string, found: string): ProfileIssue {
    return this.source.issue({ path: ['assignments', assignment.pattern], target: 'value', expected, found });
  }
}

/** The assignments file's text with `pattern` assigned `profile`, comments and order kept; a new entry goes last. */
export function assignInText(text: string, pattern: string, profile: string): string {
  const document: Document = parseDocument(text === '' ? 'assignments: {}\n' : text);
  if (!isMap(document.get('assignments'))) document.set('assignments', document.createNode({}));
  document.setIn(['assignments', pattern], profile);
  const assignments = document.get('assignments');
  if (isMap(assignments)) assignments.flow = false;
  return document.toString();
}

/** Exact ids outrank every glob; globs rank by their literal characters. */
function specificity(pattern: string): number {
  const literal = pattern.replace(/[*?]/g, '').length;
  return literal === pattern.length ? Number.MAX_SAFE_INTEGER : literal;
}

function globMatches(pattern: string, channelId: string): boolean {
  // ASSIGNMENT_PATTERN leaves no character that a regular expression reads specially but these two.
  const expression = pattern.replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${expression}$`).test(channelId);
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
