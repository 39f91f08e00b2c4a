import fsPromises from 'node:fs/promises';
import path from 'node:path';
import { AsyncClientError } from '../errors.js';
import { isOnLocalDisk } from './local-disk.js';
import { localFolderError, unreachableRoot } from './local-errors.js';
import { joinFolderPath, type FolderPath } from './paths.js';
import { placeUnder, realRootOf } from './root-placement.js';
import { FolderErrorCode } from './working-folder.js';

export interface LocalFolderOptions {
  /** The folder is a mount point (a network share): when nothing is mounted there, it is unreachable, never empty. */
  readonly mountPoint?: boolean;
}

/**
 * Where the local adapter's paths lead: the root must be there (and, for a mount point,
 * mounted), and no path may lead out of it through a link.
 */
export class LocalRoot {
  readonly root: string;
  /** Found once the root could be looked at (`onLocalDisk`). */
  private localDisk: boolean | undefined;

  constructor(
    root: string,
    private readonly options: LocalFolderOptions = {},
  ) {
    this.root = path.resolve(root);
  }

  /**
   * The absolute path for `segments`, after checking that the real path of its deepest
   * existing part stays inside the root: a symlink must not lead out of the folder. A batch
   * of operations passes the root's real path it found once (`realRoot`).
   */
  async resolve(segments: FolderPath, action: string, realRoot?: string): Promise<string> {
    const root = realRoot ?? (await this.realRoot());
    const placed = await placeUnder(fsPromises, path, root, segments).catch((error: unknown) => {
      throw this.error(error, action, segments);
    });
    if (placed.outside !== null) throw this.outside(segments, action, placed.outside);
    return placed.absolute;
  }

  async realRoot(): Promise<string> {
    try {
      return await realRootOf(fsPromises, path, this.root, this.options.mountPoint === true);
    } catch (error) {
      throw unreachableRoot(this.root, error);
    }
  }

  /**
   * Whether the folder is on the machine's own disk (local-disk.ts), looked at once: never for a
   * mount point, which is a network share. Until the root can be looked at, false.
   */
  async onLocalDisk(): Promise<boolean> {
    if (this.mountPoint) return false;
    this.localDisk ??= await isOnLocalDisk(this.root);
    return this.localDisk === true;
  }

  /** Whether the root is a mount point (LocalFolderOptions). */
  get mountPoint(): boolean {
    return this.options.mountPoint === true;
  }

  /** `segments` lead through a link to `realPath`, outside the folder. */
  outside(segments: FolderPath, action: string, realPath: string): AsyncClientError {
    return new AsyncClientError(
      FolderErrorCode.path,
      `Cannot ${action} "${joinFolderPath(segments)}": it leads through a link to ${realPath}, outside working folder ${this.root}.`,
      { path: joinFolderPath(segments), root: this.root, realPath },
    );
  }

  error(error: unknown, action: string, segments: FolderPath): AsyncClientError {
    return localFolderError(error, { action, path: joinFolderPath(segments), root: this.root });
  }
}
