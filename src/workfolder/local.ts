import { mkdir, readdir, rename, stat, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { AsyncClientError, errorCode } from '../errors.js';
import { syncDirectory, syncedEach, writeInPlace } from './local-durable.js';
import { openLocalRead, readLocalWhole } from './local-read.js';
import { LocalRoot, type LocalFolderOptions } from './local-root.js';
import {
  byName,
  folderPath,
  isHiddenName,
  isTemporaryName,
  joinFolderPath,
  parentOf,
  probePath,
  temporarySibling,
  type FolderPath,
} from './paths.js';
import { watchLocalFolder } from './local-watch.js';
import {
  FolderErrorCode,
  type FileMove,
  type FileToWrite,
  type FolderEntry,
  type FolderHealth,
  type FolderWatch,
  type ReadResume,
  type WatchOptions,
  type WorkingFolder,
} from './working-folder.js';

export type { LocalFolderOptions };

/** A working folder on a local or network-mounted path, through node:fs. */
export class LocalWorkingFolder implements WorkingFolder {
  private readonly root: string;
  private readonly at: LocalRoot;

  /** `probeOwner` (the store's channel id) names the preflight's probe files (see `probePath`). */
  constructor(
    root: string,
    private readonly probeOwner?: string,
    options: LocalFolderOptions = {},
  ) {
    this.at = new LocalRoot(root, options);
    this.root = this.at.root;
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

  readWhole(file: string, limitBytes: number): Promise<Buffer | undefined> {
    return readLocalWhole(this.at, file, limitBytes);
  }

  async writeAtomic(file: string, content: Readable | Uint8Array): Promise<void> {
    await this.write(folderPath(file, 'file'), content);
  }

  async move(from: string, to: string): Promise<void> {
    const source = folderPath(from, 'file');
    const target = folderPath(to, 'file');
    await this.rename(source, await this.resolve(source, 'move'), target, await this.resolve(target, 'move into'));
  }

  /** Each file written as `writeAtomic` does; each folder written to is synced once, after all. */
  async writeAtomicEach(files: readonly FileToWrite[]): Promise<PromiseSettledResult<void>[]> {
    const place = this.placeInFolders(await this.at.realRoot(), 'write');
    return syncedEach(
      files,
      async ({ path: file, content }) => {
        const segments = folderPath(file, 'file');
        const absolute = await place(segments);
        await writeInPlace(absolute, temporarySibling(segments), content).catch((error: unknown) => {
          throw this.error(error, 'write', segments);
        });
        return [path.dirname(absolute)];
      },
      (error) => this.error(error, 'write', []),
    );
  }

  /** Each file moved as `move` does; each folder a file left or entered is synced once, after all. */
  async moveEach(moves: readonly FileMove[]): Promise<PromiseSettledResult<void>[]> {
    const root = await this.at.realRoot();
    const take = this.placeInFolders(root, 'move');
    const place = this.placeInFolders(root, 'move into');
    return syncedEach(
      moves,
      async ({ from, to }) => {
        const source = folderPath(from, 'file');
        const target = folderPath(to, 'file');
        const sourceAbsolute = await take(source);
        const targetAbsolute = await place(target);
        await this.rename(source, sourceAbsolute, target, targetAbsolute);
        return [path.dirname(sourceAbsolute), path.dirname(targetAbsolute)];
      },
      (error) => this.error(error, 'move', []),
    );
  }

  /**
   * For a batch: the absolute path of a file whose folder was checked once per batch (`resolve`);
   * the file itself is renamed, or replaced by a rename, which never follows a link at its name.
   */
  private placeInFolders(root: string, action: string): (file: FolderPath) => Promise<string> {
    const folders = new Map<string, Promise<string>>();
    return async (file) => {
      const parent = parentOf(file);
      let folder = folders.get(joinFolderPath(parent));
      if (folder === undefined) {
        folder = this.at.resolve(parent, action, root);
        folders.set(joinFolderPath(parent), folder);
      }
      return path.join(await folder, ...file.slice(-1));
    };
  }

  private async rename(source: FolderPath, sourceAbsolute: string, target: FolderPath, targetAbsolute: string): Promise<void> {
    const from = joinFolderPath(source);
    const to = joinFolderPath(target);
    try {
      await rename(sourceAbsolute, targetAbsolute);
    } catch (error) {
      if (errorCode(error) === 'ENOENT' && (await this.entry(source, sourceAbsolute)) !== undefined) {
        throw new AsyncClientError(
          FolderErrorCode.notFound,
          `Cannot move "${from}" to "${to}" in working folder ${this.root}: the destination folder does not exist; create it first (ensureDir).`,
          { from, to, root: this.root },
        );
      }
      throw this.error(error, `move "${to}" from`, source);
    }
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

  async close(): Promise<void> {}

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
