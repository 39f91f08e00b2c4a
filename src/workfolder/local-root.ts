import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { AsyncClientError, errorCode } from '../errors.js';
import { localFolderError, unreachableRoot } from './local-errors.js';
import { joinFolderPath, type FolderPath } from './paths.js';
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

  async realRoot(): Promise<string> {
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

  error(error: unknown, action: string, segments: FolderPath): AsyncClientError {
    return localFolderError(error, { action, path: joinFolderPath(segments), root: this.root });
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
}
