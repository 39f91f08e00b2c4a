import type { Readable } from 'node:stream';
import type { AsyncClientError } from '../errors.js';

/**
 * The port through which the cycles reach the folder shared with HQ. Adapters (local
 * path, WebDAV) implement it; the cycles know nothing of files or HTTP.
 *
 * Paths are relative POSIX paths inside the folder (`CH01/download/0001.pkg`); the root
 * is `''`. Every path goes through `folderPath()` (paths.ts) before it reaches the
 * storage. Names starting with `.` are reserved for temporary files and never listed.
 *
 * Queries treat absence as an answer (`list` of a missing folder is `[]`, `stat` of a
 * missing file is `undefined`, `remove` of a missing file does nothing); actions on a
 * missing file throw `E_FOLDER_NOT_FOUND`. Every failure is an `AsyncClientError` with
 * one of the `FolderErrorCode` codes.
 */
export interface WorkingFolder {
  /** Files (not folders, not hidden names) directly inside `dir`, sorted by name. */
  list(dir: string): Promise<FolderEntry[]>;
  /** Names of the folders (not hidden ones) directly inside `dir`, sorted: HQ's view of the stores. */
  listFolders(dir: string): Promise<string[]>;
  stat(path: string): Promise<FolderEntry | undefined>;
  /**
   * A stream of the file's bytes; stream errors are `AsyncClientError`s too. With `resume`, the
   * bytes from `resume.from` on of the version `resume.entry` names, to finish a copy cut short;
   * when the file is no longer that version, E_FOLDER_CHANGED (start over: never splice).
   */
  openRead(path: string, resume?: ReadResume): Promise<Readable>;
  /**
   * The whole of a small file (a heartbeat, a report) in one request, or undefined when it holds
   * more than `limitBytes`: for an adapter that can read one more cheaply than through
   * `openRead`'s resumable stream. `readSmallFile` (capped-read.ts) uses it when there.
   */
  readWhole?(path: string, limitBytes: number): Promise<Buffer | undefined>;
  /**
   * Writes under a hidden temporary name in the same folder, makes it durable, then
   * renames it into place (replacing any file of that name): readers see the whole
   * file or nothing. The parent folder must exist (`ensureDir`).
   */
  writeAtomic(path: string, content: Readable | Uint8Array): Promise<void>;
  /** Renames a file, replacing `to` if it exists. The destination folder must exist. */
  move(from: string, to: string): Promise<void>;
  /**
   * `writeAtomic` of several small files at once, each settling on its own (one failure leaves
   * the others written), for an adapter that does a batch cheaper than its files one by one (a
   * local one syncs each folder once); callers go through `writeEach`.
   */
  writeAtomicEach?(files: readonly FileToWrite[]): Promise<PromiseSettledResult<void>[]>;
  /** `move` of several files at once, each settling on its own, made durable together; callers go through `moveEach`. */
  moveEach?(moves: readonly FileMove[]): Promise<PromiseSettledResult<void>[]>;
  remove(path: string): Promise<void>;
  /** Creates the folder and its parents; an existing folder is fine. */
  ensureDir(dir: string): Promise<void>;
  /**
   * Removes the temporary files this adapter left in `dir` (a crash or a broken upload
   * mid-write, a server's spool name built on ours) that were last modified before
   * `olderThan`, and of those only the names `only` accepts when given; returns how many.
   * Hidden files of other writers are left alone.
   */
  sweepTemporaries(dir: string, olderThan: Date, only?: (name: string) => boolean): Promise<number>;
  /**
   * Tells `onChange` the names of files (not hidden ones) that appeared or changed directly in
   * `dir`: native file events on a local path (or polling every `pollSeconds` when `polling`,
   * for network shares whose events do not arrive), a Depth 1 listing every `pollSeconds` on
   * WebDAV. On a local path a file is reported once its size has held still, so one still
   * being written in place is not. Nothing is reported for what is there at the start; the
   * promise settles once the watch knows what that is, so a file that appears after is reported.
   */
  watch(dir: string, onChange: (names: readonly string[]) => void, options: WatchOptions): Promise<FolderWatch>;
  /** Preflight: reachable, writable (a probe file is written and removed), free space. */
  check(): Promise<FolderHealth>;
  /** Where the folder is, for logs and messages; never holds a secret. */
  describe(): string;
  close(): Promise<void>;
}

/** Where a copy cut short goes on: the file as it was listed, and how many of its bytes the copy has. */
export interface ReadResume {
  readonly entry: FolderEntry;
  readonly from: number;
}

export interface FileToWrite {
  readonly path: string;
  readonly content: Uint8Array;
}

export interface FileMove {
  readonly from: string;
  readonly to: string;
}

/** Writes each file as `writeAtomic` does, in one batch where the adapter has one; each settles on its own. */
export function writeEach(folder: WorkingFolder, files: readonly FileToWrite[]): Promise<PromiseSettledResult<void>[]> {
  return folder.writeAtomicEach?.(files) ?? settleInTurn(files, (file) => folder.writeAtomic(file.path, file.content));
}

/** Moves each file as `move` does, in one batch where the adapter has one; each settles on its own. */
export function moveEach(folder: WorkingFolder, moves: readonly FileMove[]): Promise<PromiseSettledResult<void>[]> {
  return folder.moveEach?.(moves) ?? settleInTurn(moves, (move) => folder.move(move.from, move.to));
}

async function settleInTurn<Item>(items: readonly Item[], action: (item: Item) => Promise<void>): Promise<PromiseSettledResult<void>[]> {
  const results: PromiseSettledResult<void>[] = [];
  for (const item of items) {
    results.push(
      await action(item).then(
        (): PromiseSettledResult<void> => ({ status: 'fulfilled', value: undefined }),
        (reason: unknown): PromiseSettledResult<void> => ({ status: 'rejected', reason }),
      ),
    );
  }
  return results;
}

export interface WatchOptions {
  readonly pollSeconds: number;
  /** Poll a local path instead of waiting for file events. */
  readonly polling: boolean;
  /** A poll or the watcher failed; watching goes on. */
  readonly onError: (error: AsyncClientError) => void;
}

export interface FolderWatch {
  close(): Promise<void>;
}

export interface FolderEntry {
  /** Relative path inside the working folder. */
  readonly path: string;
  /** Last segment of `path`. */
  readonly name: string;
  readonly size: number;
  readonly modifiedAt: Date;
  /**
   * The server's entity tag (WebDAV `getetag`) when it gives one: it changes whenever the
   * content does, so a reader can tell a file changed without reading it. Undefined on a
   * local path and on servers that give none; `versionOf` falls back to size and time.
   */
  readonly etag?: string;
}

/**
 * One string per version of a file, for "has it changed since?": the ETag when the server
 * gives one (a weak `W/` mark dropped: Apache marks a file weak for its first second, then
 * strong, with the same tag), else size and modification time.
 */
export function versionOf(entry: FolderEntry): string {
  if (entry.etag !== undefined) return `etag:${entry.etag.replace(/^W\//, '')}`;
  return `${entry.size}:${entry.modifiedAt.getTime()}`;
}

export type FolderHealth =
  | {
      readonly ok: true;
      /** Bytes a write may still use; `undefined` when the adapter cannot know. */
      readonly freeBytes: number | undefined;
    }
  | { readonly ok: false; readonly error: AsyncClientError };

export const FolderErrorCode = {
  /** The folder cannot be reached at all: mount gone, server down, timeout. */
  unreachable: 'E_FOLDER_UNREACHABLE',
  /** The server refused our credentials (WebDAV 401). */
  unauthorized: 'E_FOLDER_AUTH',
  /** A certificate problem (expired, wrong host, unknown CA, client certificate missing or refused): retrying cannot fix it. */
  tls: 'E_FOLDER_TLS',
  notFound: 'E_FOLDER_NOT_FOUND',
  /** The file was replaced while it was being read: read it again from the start. */
  changed: 'E_FOLDER_CHANGED',
  readOnly: 'E_FOLDER_READ_ONLY',
  /** Another WebDAV client holds a lock on the file (HTTP 423); it is retried later. */
  locked: 'E_FOLDER_LOCKED',
  full: 'E_FOLDER_FULL',
  /** A path that could leave the folder or that the folder cannot hold. */
  path: 'E_FOLDER_PATH',
  io: 'E_FOLDER_IO',
} as const;

export type FolderErrorCode = (typeof FolderErrorCode)[keyof typeof FolderErrorCode];

/** How long the server asked us to wait before trying again (HTTP `Retry-After`), when a folder error says. */
export function retryAfterSeconds(error: unknown): number | undefined {
  const details = (error as { details?: { retryAfterSeconds?: unknown } } | undefined)?.details;
  return typeof details?.retryAfterSeconds === 'number' ? details.retryAfterSeconds : undefined;
}
