import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FileDigest } from '../package/index.js';
import { isOtherProcessAlive } from '../process-alive.js';
import type { FolderEntry, WorkingFolder } from '../workfolder/working-folder.js';

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
}

/** `<pid>-<package name>`, and `.partial` while the copy is being written. */
const STAGED_NAME = /^(\d+)-.+?(\.partial)?$/;

/**
 * Local copies of packages. A copy is written under `<pid>-<name>.partial` and renamed once
 * complete, so a complete name always holds a whole file; the cycle removes it after the
 * apply. A process killed mid-copy or mid-apply leaves its files behind under its own pid:
 * `sweep` removes those of processes that are gone (and our own, since a cycle never
 * overlaps itself), and never touches those of a live process such as a daemon running
 * beside `download --once`. The cycle never reads a copy it did not write in the same run.
 */
export class StagingArea {
  constructor(readonly directory: string) {}

  /** Removes what dead processes (or earlier runs of this one) left; returns how many files. */
  async sweep(): Promise<number> {
    await mkdir(this.directory, { recursive: true });
    let removed = 0;
    for (const name of await readdir(this.directory)) {
      const owner = STAGED_NAME.exec(name)?.[1];
      if (owner === undefined || isOtherProcessAlive(Number(owner))) continue;
      await unlink(path.join(this.directory, name)).catch(() => undefined);
      removed += 1;
    }
    return removed;
  }

  /** Streams `entry` from the working folder into a local copy, hashing it on the way. */
  async stage(folder: WorkingFolder, entry: FolderEntry): Promise<StagedFile> {
    const final = path.join(this.directory, `${process.pid}-${entry.name}`);
    const partial = `${final}.partial`;
    const digest = new FileDigest();
    try {
      await pipeline(await folder.openRead(entry.path), digest, createWriteStream(partial));
      await rename(partial, final);
    } catch (error) {
      await unlink(partial).catch(() => undefined);
      throw error;
    }
    return { path: final, checksum: digest.checksum(), size: digest.size };
  }

  async discard(file: StagedFile): Promise<void> {
    await unlink(file.path).catch(() => undefined);
  }
}
