import { mkdir } from 'node:fs/promises';
import { openSqliteChannelDatabase } from '../channel/sqlite-channel-database.js';
import type { ChannelDatabase } from '../channel/channel-database.js';
import { AsyncClientError } from '../errors.js';
import type { Profile } from '../profile/profile.js';
import { openWorkingFolder } from '../workfolder/open.js';
import type { WorkingFolder } from '../workfolder/working-folder.js';

/** The two ports a store's cycles work on, opened and checked from one profile. */
export interface StoreResources {
  readonly channelDatabase: ChannelDatabase;
  readonly workingFolder: WorkingFolder;
  /** Free bytes in the working folder at the preflight, when the adapter can tell. */
  readonly folderFreeBytes: number | undefined;
  close(): Promise<void>;
}

/**
 * Opens the channel database (journal migrated) and the working folder, and runs the
 * preflight that CDX operators missed: database writable with room on its disk, folder
 * reachable and writable. Anything wrong throws a coded error and leaves nothing open.
 * The daemon, the one-shot cycle commands and `sessions` all start here.
 */
export async function openStoreResources(profile: Profile): Promise<StoreResources> {
  await mkdir(profile.stateDirectory, { recursive: true });
  const channelDatabase = await openSqliteChannelDatabase(profile.channel.database, { channelId: profile.channel.id });
  const workingFolder = openWorkingFolder(profile.workingFolder);
  try {
    await channelDatabase.migrate();
    await channelDatabase.check();
    const health = await workingFolder.check();
    if (!health.ok) throw health.error;
    return {
      channelDatabase,
      workingFolder,
      folderFreeBytes: health.freeBytes,
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
