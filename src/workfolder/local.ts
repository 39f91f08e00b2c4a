import { type FileHandle, mkdir, open, readdir, realpath, rename, stat, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { AsyncClientError, errorCode } from '../errors.js';
import { localFolderError, unreachableRoot } from './local-errors.js';
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
import { relayWithFolderErrors } from './streams.js';
import { watchLocalFolder } from './local-watch.js';
import {
  FolderErrorCode,
  type FolderEntry,
  type FolderHealth,
  type FolderWatch,
  type ReadResume,
  versionOf,
  type WatchOptions,
  type WorkingFolder,
} from './working-folder.js';

const READ_CHUNK_BYTES = 64 * 1024;
/** Directory fsync is not supported everywhere (CIFS answers EINVAL); the rename itself still happened. */
const DIRECTORY_SYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP']);

export interface LocalFolderOptions {
  /** The folder is a mount point (a network share): when nothing is mounted there, it is unreachable, never empty. */
  readonly mountPoint?: boolean;
}

/** A working folder on a local or network-mounted path, through node:fs. */
export class LocalWorkingFolder implements WorkingFolder {
  private readonly root: string;

  /** `probeOwner` (the store's channel id) names the preflight's probe files (see `probePath`). */
  constructor(
    root: string,
    private readonly probeOwner?: string,
    private readonly options: LocalFolderOptions = {},
  ) {
    this.root = path.resolve(root);
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

  async openRead(file: string, resume?: ReadResume): Promise<Readable> {
    const segments = folderPath(file, 'file');
    const absolute = await this.resolve(segments, 'read');
    const handle = await open(absolute, 'r').catch((error: unknown) => {
      throw this.error(error, 'read', segments);
    });
    const stats = await handle.stat().catch(() => undefined);
    const problem =
      stats?.isFile() !== true
        ? { code: FolderErrorCode.path, why: 'it is not a file' }
        : resume !== undefined && versionOf(resume.entry) !== versionOf({ ...resume.entry, size: stats.size, modifiedAt: stats.mtime })
          ? { code: FolderErrorCode.changed, why: 'it changed since it was listed; read it again from the start' }
          : undefined;
    if (problem !== undefined) {
      await handle.close();
      throw new AsyncClientError(problem.code, `Cannot read "${file}" in working folder ${this.root}: ${problem.why}.`, {
        path: file,
        root: this.root,
      });
    }
    return relayWithFolderErrors(handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES, start: resume?.from ?? 0 }), (error) =>
      this.error(error, 'read', segments),
    );
  }

  async writeAtomic(file: string, content: Readable | Uint8Array): Promise<void> {
    await this.write(folderPath(file, 'file'), content);
  }

  async move(from: string, to: string): Promise<void> {
    const source = folderPath(from, 'file');
    const target = folderPath(to, 'file');
    const sourceAbsolute = await this.resolve(source, 'move');
    const targetAbsolute = await this.resolve(target, 'move into');
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

  watch(dir: string, onChange: (names: readonly string[]) => void, options: WatchOptions): FolderWatch {
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
    const temporary = path.join(path.dirname(absolute), ...temporarySibling(segments).slice(-1));
    let handle: FileHandle | undefined;
    try {
      handle = await open(temporary, 'wx');
      await writeContent(handle, content);
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(temporary, absolute);
      await syncDirectory(path.dirname(absolute));
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await unlink(temporary).catch(() => undefined);
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

  /**
   * The absolute path for `segments`, after checking that the real path of its deepest
   * existing part stays inside the root: a symlink must not lead out of the folder.
   */
  private async resolve(segments: FolderPath, action: string): Promise<string> {
    const root = await this.realRoot();
    const absolute = path.join(root, ...segments);
    const real = await this.realPathOfDeepestExisting(absolute, root, action, segments);
    if (real !== root && !real.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) {
      throw new AsyncClientError(
        FolderErrorCode.path,
        `Cannot ${action} "${joinFolderPath(segments)}": it leads through a link to ${real}, outside working folder ${this.root}.`,
        { path: joinFolderPath(segments), root: this.root, realPath: real },
      );
    }
    return absolute;
  }

  private async realPathOfDeepestExisting(absolute: string, root: string, action: string, segments: FolderPath): Promise<string> {
    for (let existing = absolute; ; existing = path.dirname(existing)) {
      try {
        return await realpath(existing);
      } catch (error) {
        const code = errorCode(error);
        if (existing === root || (code !== 'ENOENT' && code !== 'ENOTDIR')) throw this.error(error, action, segments);
      }
    }
  }

  private async realRoot(): Promise<string> {
    try {
      const root = await realpath(this.root);
      const stats = await stat(root);
      if (!stats.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
      // An unmounted share leaves its empty mount point behind, which must not read as an empty folder.
      if (this.options.mountPoint === true && root !== path.dirname(root) && (await stat(path.dirname(root))).dev === stats.dev) {
        throw Object.assign(new Error('nothing is mounted there (the share is not mounted)'), { code: 'ENOTCONN' });
      }
      return root;
    } catch (error) {
      throw unreachableRoot(this.root, error);
    }
  }

  private error(error: unknown, action: string, segments: FolderPath): AsyncClientError {
    return localFolderError(error, { action, path: joinFolderPath(segments), root: this.root });
  }
}

async function writeContent(handle: FileHandle, content: Readable | Uint8Array): Promise<void> {
  if (content instanceof Uint8Array) {
    await handle.writeFile(content);
    return;
  }
  for await (const chunk of content as AsyncIterable<Uint8Array | string>) {
    await handle.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch (error) {
    if (!DIRECTORY_SYNC_UNSUPPORTED.has(errorCode(error))) throw error;
  } finally {
    await handle.close();
  }
}
