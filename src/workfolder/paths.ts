import { randomBytes } from 'node:crypto';
import { AsyncClientError } from '../errors.js';
import { FolderErrorCode } from './working-folder.js';

/** A checked relative path inside the working folder: its segments, never `.`/`..`/empty. */
export type FolderPath = readonly string[];

const MAX_SEGMENT_BYTES = 255;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * The one gate every path passes before an adapter touches storage. Refuses what could
 * leave the folder or mean something else on another system: absolute paths, `..` and
 * `.` segments, backslashes, control characters (NUL among them), empty segments
 * (`a//b`, a trailing `/`) and hidden names (`.` first), which are reserved for
 * temporary files. `''` is the folder's root and is accepted only where `kind` is `dir`.
 */
export function folderPath(path: string, kind: 'file' | 'dir'): FolderPath {
  if (path === '') {
    if (kind === 'dir') return [];
    throw pathError(path, 'is empty');
  }
  if (path.startsWith('/')) throw pathError(path, 'is absolute; use a path relative to the working folder');
  if (path.includes('\\')) throw pathError(path, 'contains a backslash; use / between segments');
  if (CONTROL_CHARACTER.test(path)) throw pathError(path, 'contains a control character');
  const segments = path.split('/');
  for (const segment of segments) {
    const problem = segmentProblem(segment);
    if (problem !== undefined) throw pathError(path, problem);
    if (segment.startsWith('.'))
      throw pathError(path, `has the hidden name "${segment}"; names starting with "." are reserved for temporary files`);
  }
  return segments;
}

/**
 * Whether a name a server gave us can be one segment of a folder path (hidden names
 * included): a hostile listing must not smuggle `..`, a `/` or a control character in.
 */
export function isPlainSegment(segment: string): boolean {
  return !segment.includes('/') && !segment.includes('\\') && !CONTROL_CHARACTER.test(segment) && segmentProblem(segment) === undefined;
}

function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'has an empty segment';
  if (segment === '..' || segment === '.') return `has a "${segment}" segment`;
  if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) return `has a segment longer than ${MAX_SEGMENT_BYTES} bytes`;
  return undefined;
}

export function joinFolderPath(path: FolderPath): string {
  return path.join('/');
}

/** The parent folder of a file path (the root for a top-level file). */
export function parentOf(path: FolderPath): FolderPath {
  return path.slice(0, -1);
}

function nameOf(path: FolderPath): string {
  const name = path[path.length - 1];
  if (name === undefined) throw pathError('', 'names no file');
  return name;
}

/**
 * A hidden name beside `path` for writing before the rename into place. It starts with
 * `.` so that listings and package-name checks never accept it, and ends with
 * `.tmp-<random>` so that an operator can tell what left it.
 */
export function temporarySibling(path: FolderPath): FolderPath {
  return [...parentOf(path), `.${nameOf(path)}.tmp-${randomBytes(6).toString('hex')}`];
}

/**
 * A hidden file that `check()` writes and removes to prove the folder is writable; `owner`
 * (the store's channel id) in its name lets housekeeping remove the store's own probes that a
 * killed process left in the shared root, and no other store's.
 */
export function probePath(owner?: string): FolderPath {
  return [`${probePrefix(owner)}.tmp-${randomBytes(6).toString('hex')}`];
}

function probePrefix(owner: string | undefined): string {
  return owner === undefined ? '.async-client-probe' : `.async-client-probe-${owner}`;
}

/**
 * `.<name>.tmp-<12 hex>`, as `temporarySibling` and `probePath` make them, and the same with a
 * suffix some servers add when they spool an upload under a name of their own
 * (`.<name>.tmp-<hex>.0000000009`).
 */
const TEMPORARY_NAME = /^\..+\.tmp-[0-9a-f]{12}(\.[0-9A-Za-z_-]{1,32})?$/;

/** A name `temporarySibling` or `probePath` made, or a server's spool name built on one: ours to sweep when a crash left it behind. */
export function isTemporaryName(name: string): boolean {
  return TEMPORARY_NAME.test(name);
}

/** Whether `name` is a probe file of `owner`, the temporary name it was written under, or a server's spool name built on one. */
export function isProbeNameOf(owner: string): (name: string) => boolean {
  const prefix = `${probePrefix(owner)}.tmp-`;
  return (name) => (name.startsWith(prefix) || name.startsWith(`.${prefix}`)) && isTemporaryName(name);
}

/** Orders entries by name, by code unit, so that package sequence order holds on every adapter. */
export function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}

function pathError(path: string, problem: string): AsyncClientError {
  return new AsyncClientError(FolderErrorCode.path, `Working-folder path ${JSON.stringify(path)} ${problem}.`, { path });
}
