/**
 * The profile the daemon runs: the store's own file, with the profile HQ published for it
 * laid over it when there is one (hq/merge.ts), checked as a whole, and every field's source.
 */
import { Value } from '@sinclair/typebox/value';
import { formatFieldPath } from './field-path.js';
import { mergeHqProfile } from './hq/merge.js';
import type { Profile } from './profile.js';
import { ProfileError, type ProfileIssue } from './profile-error.js';
import { resolveProfile, type DefaultedDocument } from './resolve.js';
import { ProfileSchema } from './schema.js';
import { schemaProblems } from './schema-problems.js';
import type { ProfileSecrets } from './secrets.js';
import { semanticProblems } from './semantic-problems.js';
import { isOverridden } from './store-overrides.js';
import type { FieldProblem, ProfileSource } from './yaml-source.js';

/** Where a field's value comes from, as `validate --effective` shows it. */
export type FieldSource = 'default' | 'local' | 'override' | `HQ:${string}`;

/** A profile file as its author wrote it: the parsed YAML with positions, no defaults applied. */
export interface WrittenLayer {
  readonly source: ProfileSource;
  readonly written: Readonly<Record<string, unknown>>;
  /** The file's text, from which `source` and `written` were parsed. */
  readonly text: string;
}

/** The store's own file, checked on its own (load.ts). */
export interface LocalProfileLayer extends WrittenLayer {
  /** Absolute path of the file. */
  readonly sourcePath: string;
  readonly overrides: readonly string[];
  /** The WebDAV secrets read from their files or variables. */
  readonly secrets: ProfileSecrets;
}

/** A profile HQ published and this store adopted (hq/published-profile.ts). */
export interface HqProfileLayer extends WrittenLayer {
  /** The name HQ published it under: `profiles/<name>.yaml`. */
  readonly name: string;
}

export interface ComposedProfile {
  readonly profile: Profile;
  /** The document the profile was resolved from: defaults applied, paths as written. */
  readonly document: DefaultedDocument;
  /** Every field's source by dotted path (`profile.downloadIntervalMinutes`), in the document's order. */
  readonly sources: ReadonlyMap<string, FieldSource>;
}

/** Throws a ProfileError whose lines point into whichever file a wrong field came from. */
export function composeProfile(local: LocalProfileLayer, hq?: HqProfileLayer): ComposedProfile {
  const { merged, fromHq } =
    hq === undefined ? { merged: local.written, fromHq: new Set<string>() } : mergeHqProfile(local.written, hq.written, local.overrides);
  const fromHqField = (path: readonly (string | number)[]): boolean => fromHq.has(formatFieldPath(path.slice(0, 2)));
  const locate = (problem: FieldProblem): ProfileIssue =>
    (hq !== undefined && fromHqField(problem.path) ? hq.source : local.source).issue(problem);
  const document = checkedDocument(merged, local.source.file, locate);
  const sourceOf = (field: string, path: readonly (string | number)[]): FieldSource => {
    if (path.length > 1 && isOverridden(local.overrides, field) && hq !== undefined) return 'override';
    if (hq !== undefined && fromHqField(path)) return `HQ:${hq.name}`;
    return isWritten(local.written, path) ? 'local' : 'default';
  };
  const entries: [string, FieldSource][] = leafPaths(document).map((path) => [
    formatFieldPath(path),
    sourceOf(formatFieldPath(path.slice(0, 2)), path),
  ]);
  // A field HQ's profile leaves unset (a pattern that ends a local one) is listed too.
  for (const field of fromHq) if (!entries.some(([known]) => known === field)) entries.push([field, `HQ:${hq?.name ?? ''}`]);
  // Listed section by section in the schema's order, each section's fields as they come.
  const sectionRank = ([field]: [string, FieldSource]): number => Object.keys(ProfileSchema.properties).indexOf(field.split('.')[0] ?? '');
  const sources = new Map(entries.sort((a, b) => sectionRank(a) - sectionRank(b)));
  return { profile: resolveProfile(document, local.sourcePath, local.secrets), document, sources };
}

/** The schema's defaults applied to `written`, after the schema and the semantic checks found nothing wrong. */
export function checkedDocument(written: unknown, file: string, locate: (problem: FieldProblem) => ProfileIssue): DefaultedDocument {
  const defaulted: unknown = Value.Default(ProfileSchema, Value.Clone(written));
  throwIfAny(file, locate, schemaProblems(defaulted));
  // The schema accepted it and filled every default, so it has the DefaultedDocument shape.
  const document = defaulted as DefaultedDocument;
  throwIfAny(file, locate, semanticProblems(document));
  return document;
}

export function throwIfAny(file: string, locate: (problem: FieldProblem) => ProfileIssue, problems: readonly FieldProblem[]): void {
  if (problems.length === 0) return;
  const issues = problems.map(locate).sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  throw ProfileError.fromIssues('E_PROFILE_INVALID', file, issues);
}

/** Paths of the values a person reads as one field: scalars, and lists as a whole. */
function leafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [path];
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, [...path, key]));
}

function isWritten(written: unknown, path: readonly (string | number)[]): boolean {
  let node = written;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || !(String(segment) in node)) return false;
    node = (node as Record<string, unknown>)[String(segment)];
  }
  return true;
}
