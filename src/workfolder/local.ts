import { mkdir, readdir, stat, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { type AsyncClientError, errorCode } from '../errors.js';
import { FileWorker } from './file-worker.js';
import { LocalBatches, renameInFolder } from './local-batches.js';
import { syncDirectory, writeInPlace } from './local-durable.js';
import { openLocalRead } from './local-read.js';
import { LocalRoot, type LocalFolderOptions } from './local-root.js';
import {
  byName,
  folderPath,
  isHiddenName,
  isTemporaryName,
  joinFolderPath,
  probePath,
  temporarySibling,
  type FolderPath,
} from './paths.js';
import { watchLocalFolder } from './local-watch.js';
import type {
  FileMove,
  FileToWrite,
  FolderEntry,
  FolderHealth,
  FolderWatch,
  ReadResume,
  WatchOptions,
  WorkingFolder,
} from './working-folder.js';

export type { LocalFolderOptions };

/** A working folder on a local or network-mounted path, through node:fs. */
export class LocalWorkingFolder implements WorkingFolder {
  private readonly root: string;
  private readonly at: LocalRoot;
  private readonly batches: LocalBatches;
  /** The batches' worker and the reads' (local-batches.ts). */
  private readonly workers: [FileWorker, FileWorker];

  /** `probeOwner` (the store's channel id) names the preflight's probe files (see `probePath`). */
  constructor(
    root: string,
    private readonly probeOwner?: string,
    options: LocalFolderOptions = {},
    fileWorker: () => FileWorker = () => new FileWorker(),
  ) {
    this.at = new LocalRoot(root, options);
    this.root = this.at.root;
    this.workers = [fileWorker(), fileWorker()];
    this.batches = new LocalBatches(this.at, ...this.workers);
  }

  async list(dir: string): Promise<FolderEntry[]> {
    const segments = folderPath(dir, 'dir');
    const absolute = await this.resolve(segments, 'list');
    let names: string[];
    try {
      const dirents = await readdir(absolute, { withFileTypes: true });
      names = dirents.filter((dirent) => dirent.isFile() && !isHiddenName(dirent.name)).map((dirent) => dirent.name);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw this.error(error, 'list', segments);
    }
    const entries = await Promise.all(names.map((name) => this.entry([...segments, name], path.join(absolute, name))));
    return entries.filter((entry) => entry !== undefined).sort(byName);
  }

  async listFolders(dir: string): Promise<string[]> {
    const segments = folderPath(dir, 'dir');
    const absolute = await this.resolve(segments, 'list folders in');
    try {
      const dirents = await readdir(absolute, { withFileTypes: true });
      return dirents
        .filter((dirent) => dirent.isDirectory() && !isHiddenName(dirent.name))
        .map((dirent) => dirent.name)
        .sort();
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw this.error(error, 'list folders in', segments);
    }
  }

  async stat(file: string): Promise<FolderEntry | undefined> {
    const segments = folderPath(file, 'file');
    return this.entry(segments, await this.resolve(segments, 'stat'));
  }

  openRead(file: string, resume?: ReadResume): Promise<Readable> {
    return openLocalRead(this.at, file, resume);
  }

  /** Read by the file worker: one message instead of four asynchronous calls. */
  readWhole(file: string, limitBytes: number): Promise<Buffer | undefined> {
    return this.batches.readWhole(file, limitBytes);
  }

  async writeAtomic(file: string, content: Readable | Uint8Array): Promise<void> {
    await this.write(folderPath(file, 'file'), content);
  }

  async move(from: string, to: string): Promise<void> {
    const source = folderPath(from, 'file');
    const target = folderPath(to, 'file');
    const sourceAbsolute = await this.resolve(source, 'move');
    await renameInFolder(this.at, { source, target, sourceAbsolute, targetAbsolute: await this.resolve(target, 'move into') });
  }

  /** Each file written as `writeAtomic` does, on the file worker; each folder written to is synced once, after all. */
  writeAtomicEach(files: readonly FileToWrite[]): Promise<PromiseSettledResult<void>[]> {
    return this.batches.writeEach(files);
  }

  /** Each file moved as `move` does, on the file worker; each folder a file left or entered is synced once, after all. */
  moveEach(moves: readonly FileMove[]): Promise<PromiseSettledResult<void>[]> {
    return this.batches.moveEach(moves);
  }

  async remove(file: string): Promise<void> {
    const segments = folderPath(file, 'file');
    try {
      await unlink(await this.resolve(segments, 'remove'));
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw this.error(error, 'remove', segments);
    }
  }

  async ensureDir(dir: string): Promise<void> {
    const segments = folderPath(dir, 'dir');
    await this.resolve(segments, 'create folder');
    // One level at a time: a recursive mkdir reports ENOENT instead of EROFS on a read-only mount.
    for (let depth = 1; depth <= segments.length; depth += 1) {
      const level = await this.resolve(segments.slice(0, depth), 'create folder');
      try {
        await mkdir(level);
      } catch (error) {
        const isFolder =
          errorCode(error) === 'EEXIST' &&
          (await stat(level).then(
            (stats) => stats.isDirectory(),
            () => false,
          ));
        if (!isFolder) throw this.error(error, 'create folder', segments);
      }
    }
  }

  async sweepTemporaries(dir: string, olderThan: Date, only: (name: string) => boolean = () => true): Promise<number> {
    const segments = folderPath(dir, 'dir');
    const absolute = await this.resolve(segments, 'sweep');
    const names = await readdir(absolute).catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT') return [];
      throw this.error(error, 'sweep', segments);
    });
    let removed = 0;
    for (const name of names.filter((name) => isTemporaryName(name) && only(name))) {
      const file = path.join(absolute, name);
      try {
        if ((await stat(file)).mtime >= olderThan) continue;
        await unlink(file);
        removed += 1;
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw this.error(error, 'sweep', [...segments, name]);
      }
    }
    return removed;
  }

  watch(dir: string, onChange: (names: readonly string[]) => void, options: WatchOptions): Promise<FolderWatch> {
    return watchLocalFolder(path.join(this.root, ...folderPath(dir, 'dir')), onChange, options);
  }

  async check(): Promise<FolderHealth> {
    try {
      const probe = probePath(this.probeOwner);
      await this.write(probe, Buffer.from('async-client probe\n'));
      await unlink(path.join(await this.realRoot(), ...probe)).catch((error: unknown) => {
        throw this.error(error, 'remove the probe file', probe);
      });
      const space = await statfs(this.root);
      return { ok: true, freeBytes: space.bavail * space.bsize };
    } catch (error) {
      return { ok: false, error: this.error(error, 'check', []) };
    }
  }

  describe(): string {
    return `local folder ${this.root}`;
  }

  /** Ends the file workers; the folder stays usable, making every call on the main thread. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
  }

  private async write(segments: FolderPath, content: Readable | Uint8Array): Promise<void> {
    const absolute = await this.resolve(segments, 'write');
    try {
      await writeInPlace(absolute, temporarySibling(segments), content);
      await syncDirectory(path.dirname(absolute));
    } catch (error) {
      throw this.error(error, 'write', segments);
    }
  }

  private async entry(segments: FolderPath, absolute: string): Promise<FolderEntry | undefined> {
    try {
      const stats = await stat(absolute);
      if (!stats.isFile()) return undefined;
      return { path: joinFolderPath(segments), name: path.basename(absolute), size: stats.size, modifiedAt: stats.mtime };
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw this.error(error, 'stat', segments);
    }
  }

  private resolve(segments: FolderPath, action: string): Promise<string> {
    return this.at.resolve(segments, action);
  }

  private realRoot(): Promise<string> {
    return this.at.realRoot();
  }

  private error(error: unknown, action: string, segments: FolderPath): AsyncClientError {
    return this.at.error(error, action, segments);
  }
}
