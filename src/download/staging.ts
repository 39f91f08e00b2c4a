import { createHash } from 'node:crypto';
import { renameSync, unlinkSync } from 'node:fs';
import { mkdir, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AsyncClientError, errorCode } from '../errors.js';
import { isOtherProcessAlive } from '../process-alive.js';
import { readSmallFile } from '../workfolder/capped-read.js';
import { copyOnFrom } from './partial-copy.js';
import { FolderErrorCode, versionOf, type FolderEntry, type WorkingFolder } from '../workfolder/working-folder.js';

/** `<stateDirectory>/staging`: where the download cycle keeps local copies of packages it applies. */
export function downloadStagingDirectory(stateDirectory: string): string {
  return path.join(stateDirectory, 'staging');
}

/** A complete local copy of a package file from the working folder. */
export interface StagedFile {
  readonly path: string;
  /** SHA-256 of the whole file, lowercase hex: the package's identity in the journal. */
  readonly checksum: string;
  readonly size: number;
  /** The whole file, for a package small enough to hold (`HELD_BYTES`): read from here, not from the copy. */
  readonly bytes?: Buffer;
}

/**
 * Packages up to this size are read into memory whole, and verified and applied from there;
 * their copy is an empty file that only marks the apply, for crash recovery (`wasAbandoned`).
 * Larger ones stream through the copy.
 */
const HELD_BYTES = 1024 * 1024;
const EMPTY = new Uint8Array(0);
/** Empty marks kept for reuse; enough for the packages a backlog has applied and not yet settled. */
const SPARES_KEPT = 256;

/** `<pid>-<package name>`: a complete copy (`.partial` added: one an earlier version was writing). */
const STAGED_NAME = /^(\d+)-.+?(\.partial)?$/;
/** `partial-<pid>-<version key>`: a copy being written, or one a cut link left short for the next run to go on from. */
const PARTIAL_NAME = /^partial-(\d+)-([0-9a-f]{32})$/;
/** `kept-<version key>-<sha256>`: the verified copy of an applied package whose move to `applied/` is still due. */
const KEPT_NAME = /^kept-([0-9a-f]{32})-([0-9a-f]{64})$/;
/** `spare-<pid>-<n>`: an empty mark no longer needed, renamed into place as the next one. */
const SPARE_NAME = /^spare-(\d+)-\d+$/;

/**
 * Local copies of packages. A copy is written under `partial-<pid>-<version key>` and renamed once
 * complete, so a complete name always holds a whole file; the cycle removes it after the
 * apply. A process killed mid-copy or mid-apply leaves its files behind under its own pid:
 * `sweep` removes those of processes that are gone (and our own, since a cycle never
 * overlaps itself), and never touches those of a live process such as a daemon running
 * beside `download --once`.
 *
 * The copy of an applied package is kept (`keep`) until the package is settled (moved out
 * of `download/`, `release`): when the report or the move fails, the next run (or the next
 * process) knows the file's checksum from the kept copy, keyed by the file's name and
 * version (ETag, else size and time), and never downloads the package a second time. A kept
 * copy whose file is no longer listed is swept. So is a partial copy, which a cut link leaves
 * for this process's next run to go on from (`copyOnFrom`), keyed by the same version.
 *
 * The area is on the store's own disk (the state directory), so the renames and removals each
 * package needs are synchronous calls of 10 to 30 µs, where an asynchronous one costs the main
 * thread 25 to 60 µs (docs/benchmarks.md, issue 10). A mark no longer needed is not removed but
 * renamed to a spare, and the next mark is a spare renamed into place: a backlog then creates
 * and frees no file for its marks. Creating a file costs more than a rename (the thread pool's
 * round trips for an asynchronous one), and freeing files makes the next creations dearer on an
 * ext4 without a journal, which skips every inode freed in the last minute or more, reading each
 * one's block (benchmarks.md, thirteenth round). A mark with no spare to take is created
 * asynchronously: on such a disk a creation costs hundreds of µs of system time.
 */
export class StagingArea {
  /** Checksums of kept copies, by version key. */
  private readonly kept = new Map<string, string>();
  /** Names of the packages whose complete copy the last sweep found abandoned by an ended process. */
  private abandoned = new Set<string>();
  /** Paths of the copies staged and neither kept nor discarded yet. */
  private readonly staged = new Set<string>();
  /** Version keys of the kept copies that are empty marks, to be reused as spares once released. */
  private readonly keptMarks = new Set<string>();
  /** Paths of the empty files ready to become the next marks. */
  private spares: string[] = [];
  private sparesNamed = 0;

  constructor(readonly directory: string) {}

  /**
   * Removes what dead processes (or earlier runs of this one) left, and kept copies of files
   * no longer in `listed`; remembers the others. Returns how many files were removed.
   */
  async sweep(listed: Iterable<FolderEntry>): Promise<number> {
    await mkdir(this.directory, { recursive: true });
    const keys = new Set([...listed].map(versionKey));
    this.kept.clear();
    this.keptMarks.clear();
    this.abandoned = new Set();
    this.spares = [];
    let removed = 0;
    for (const name of await readdir(this.directory)) {
      const spare = SPARE_NAME.exec(name);
      if (spare !== null) {
        if (this.sweepSpare(name, Number(spare[1]))) removed += 1;
        continue;
      }
      const partial = PARTIAL_NAME.exec(name);
      if (partial !== null) {
        const owner = Number(partial[1]);
        if (owner === process.pid ? keys.has(partial[2] ?? '') : isOtherProcessAlive(owner)) continue;
        await unlink(path.join(this.directory, name)).catch(() => undefined);
        removed += 1;
        continue;
      }
      const kept = KEPT_NAME.exec(name);
      if (kept !== null && keys.has(kept[1] ?? '')) {
        this.kept.set(kept[1] ?? '', kept[2] ?? '');
        continue;
      }
      const staged = STAGED_NAME.exec(name);
      const owner = staged?.[1];
      if (kept === null && (owner === undefined || isOtherProcessAlive(Number(owner)))) continue;
      if (staged !== null && staged[2] === undefined) this.abandoned.add(name.slice(`${owner}-`.length));
      await unlink(path.join(this.directory, name)).catch(() => undefined);
      removed += 1;
    }
    return removed;
  }

  /**
   * Takes over a spare of this process or of one that ended, as long as fewer than
   * `SPARES_KEPT` are held; removes it past that. Returns whether it was removed.
   */
  private sweepSpare(name: string, owner: number): boolean {
    if (owner !== process.pid && isOtherProcessAlive(owner)) return false;
    const spare = path.join(this.directory, name);
    if (this.spares.length < SPARES_KEPT) {
      this.spares.push(spare);
      return false;
    }
    removeIfThere(spare);
    return true;
  }

  /**
   * Makes a local copy of `entry`, hashing it on the way: a small package is read into memory
   * whole (with an empty mark in place of its copy), a larger one streamed into the copy. A file
   * replaced while it was read (E_FOLDER_CHANGED) is streamed once more from the start.
   */
  async stage(folder: WorkingFolder, entry: FolderEntry): Promise<StagedFile> {
    let staged: StagedFile;
    try {
      staged = this.holds(entry) ? await this.hold(folder, entry) : await this.copy(folder, entry);
    } catch (error) {
      if (errorCode(error) !== FolderErrorCode.changed) throw error;
      staged = await this.copy(folder, entry);
    }
    this.staged.add(staged.path);
    return staged;
  }

  /** Whether `entry` is small enough to be held in memory whole when it is staged. */
  holds(entry: FolderEntry): boolean {
    return entry.size <= HELD_BYTES;
  }

  /** Removes the copy (a mark becomes a spare), unless it was kept. */
  discard(file: StagedFile): void {
    if (!this.staged.delete(file.path)) return;
    if (file.bytes === undefined) removeIfThere(file.path);
    else this.spare(file.path);
  }

  /** Keeps the copy of an applied package until `release`; `entry` is the file it was read from. */
  keep(file: StagedFile, entry: FolderEntry): void {
    const key = versionKey(entry);
    renameSync(file.path, path.join(this.directory, `kept-${key}-${file.checksum}`));
    this.staged.delete(file.path);
    this.kept.set(key, file.checksum);
    if (file.bytes !== undefined) this.keptMarks.add(key);
  }

  /**
   * Whether the last sweep found a complete copy of package `fileName` that an ended process
   * left: copied, perhaps applied, never kept. Together with an Applied session it means the
   * process ended between the Applied commit and the kept copy, before it announced the package.
   */
  wasAbandoned(fileName: string): boolean {
    return this.abandoned.has(fileName);
  }

  /** The checksum of this version of the file when a copy of it is kept. */
  keptChecksum(entry: FolderEntry): string | undefined {
    return this.kept.get(versionKey(entry));
  }

  /** The package is settled: its kept copy goes. */
  release(entry: FolderEntry): void {
    const key = versionKey(entry);
    const checksum = this.kept.get(key);
    if (checksum === undefined) return;
    this.kept.delete(key);
    const kept = path.join(this.directory, `kept-${key}-${checksum}`);
    if (this.keptMarks.delete(key)) this.spare(kept);
    else removeIfThere(kept);
  }

  private async copy(folder: WorkingFolder, entry: FolderEntry): Promise<StagedFile> {
    const final = this.stagedPath(entry);
    const partial = path.join(this.directory, `partial-${process.pid}-${versionKey(entry)}`);
    try {
      const { checksum, size } = await copyOnFrom(folder, entry, partial);
      await rename(partial, final);
      return { path: final, checksum, size };
    } catch (error) {
      // A link cut off leaves the bytes copied for the next run (this process's) to go on from.
      if (errorCode(error) !== FolderErrorCode.unreachable) await unlink(partial).catch(() => undefined);
      throw error;
    }
  }

  /** Reads a small package into memory; its copy is an empty file, which marks the apply (see `wasAbandoned`). */
  private async hold(folder: WorkingFolder, entry: FolderEntry): Promise<StagedFile> {
    const bytes = await readSmallFile(folder, entry.path, HELD_BYTES, () => grewWhileRead(entry));
    const marker = this.stagedPath(entry);
    await this.mark(marker);
    return { path: marker, checksum: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, bytes };
  }

  /** Puts an empty file at `marker`: a spare renamed, else a new file. */
  private async mark(marker: string): Promise<void> {
    let spare = this.spares.pop();
    while (spare !== undefined) {
      try {
        renameSync(spare, marker);
        return;
      } catch {
        // Gone: removed by hand, or an ended process's spare another process took too. The next one.
      }
      spare = this.spares.pop();
    }
    await writeFile(marker, EMPTY);
  }

  /** Keeps an empty mark no longer needed as a spare, or removes it when there are enough. */
  private spare(mark: string): void {
    if (this.spares.length >= SPARES_KEPT) {
      removeIfThere(mark);
      return;
    }
    const spare = path.join(this.directory, `spare-${process.pid}-${this.sparesNamed}`);
    this.sparesNamed += 1;
    try {
      renameSync(mark, spare);
      this.spares.push(spare);
    } catch {
      // The next sweep removes what is left.
    }
  }

  private stagedPath(entry: FolderEntry): string {
    return path.join(this.directory, `${process.pid}-${entry.name}`);
  }
}

/** Removes a file of the staging area; one already gone, or that cannot go, is left to the next sweep. */
function removeIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // The next sweep removes what is left.
  }
}

function grewWhileRead(entry: FolderEntry): AsyncClientError {
  return new AsyncClientError(
    FolderErrorCode.changed,
    `package ${entry.path}, listed at ${entry.size} bytes, grew past ${HELD_BYTES} while it was read: it is read again`,
    { path: entry.path, size: entry.size },
  );
}

/** One key per file name and version, short enough for any file system. */
function versionKey(entry: FolderEntry): string {
  return createHash('sha256')
    .update(`${entry.name}\0${versionOf(entry)}`)
    .digest('hex')
    .slice(0, 32);
}
