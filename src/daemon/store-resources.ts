import { mkdir } from 'node:fs/promises';
import { openChannelDatabase } from '../channel/open.js';
import type { ChannelDatabase } from '../channel/channel-database.js';
import { AsyncClientError } from '../errors.js';
import type { Profile } from '../profile/profile.js';
import { openWorkingFolder } from '../workfolder/open.js';
import { FolderErrorCode, type WorkingFolder } from '../workfolder/working-folder.js';

/** The two ports a store's cycles work on, opened and checked from one profile. */
export interface StoreResources {
  readonly channelDatabase: ChannelDatabase;
  readonly workingFolder: WorkingFolder;
  /** Free bytes in the working folder at the preflight, when the adapter can tell. */
  readonly folderFreeBytes: number | undefined;
  /** Why the working folder could not be reached at the preflight, when `startUnreachable` let the start go on. */
  readonly folderUnreachable: AsyncClientError | undefined;
  close(): Promise<void>;
}

/**
 * Opens the channel database (journal migrated) and the working folder, and runs the
 * preflight that CDX operators missed: database writable with room on its disk, folder
 * reachable and writable. Anything wrong throws a coded error and leaves nothing open.
 * The daemon, the one-shot cycle commands and `sessions` all start here.
 */
export interface StoreResourceOptions {
  /**
   * Go on when the working folder cannot be reached (E_FOLDER_UNREACHABLE): the daemon of a
   * store that reached it before starts on what it kept, and its cycles try again.
   */
  readonly startUnreachable?: boolean;
}

export async function openStoreResources(profile: Profile, options: StoreResourceOptions = {}): Promise<StoreResources> {
  await mkdir(profile.stateDirectory, { recursive: true });
  const channelDatabase = await openChannelDatabase(profile.channel);
  const workingFolder = openWorkingFolder(profile.workingFolder);
  try {
    await channelDatabase.migrate();
    await channelDatabase.check();
    const health = await workingFolder.check();
    const unreachable = !health.ok && health.error.code === FolderErrorCode.unreachable && options.startUnreachable === true;
    if (!health.ok && !unreachable) throw health.error;
    return {
      channelDatabase,
      workingFolder,
      folderFreeBytes: health.ok ? health.freeBytes : undefined,
      folderUnreachable: health.ok ? undefined : health.error,
      async close() {
        await Promise.allSettled([workingFolder.close(), channelDatabase.close()]);
      },
    };
  } catch (error) {
    await Promise.allSettled([workingFolder.close(), channelDatabase.close()]);
    throw error instanceof AsyncClientError
      ? error
      : new AsyncClientError('E_PREFLIGHT', `start-up checks failed: ${String(error)}`, {}, { cause: error });
  }
}
