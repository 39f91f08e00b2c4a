import { access, mkdir, rm } from 'node:fs/promises';
import { openChannelDatabase } from '../channel/open.js';
import type { ChannelDatabase } from '../channel/channel-database.js';
import { AsyncClientError } from '../errors.js';
import type { Direction } from '../package/types.js';
import type { Profile } from '../profile/profile.js';
import { openWorkingFolder } from '../workfolder/open.js';
import { FolderErrorCode, type WorkingFolder } from '../workfolder/working-folder.js';
import { InstanceLock } from './instance-lock.js';

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

export interface StoreResourceOptions {
  /**
   * The cycles this process runs, and its command line for the lock's holder file: one
   * InstanceLock per direction, so that a second daemon, or a one-shot cycle of a direction
   * the daemon runs, is refused (E_ALREADY_RUNNING) instead of running beside it.
   */
  readonly lock?: { readonly directions: readonly Direction[]; readonly command: string };
  /**
   * Go on when the working folder cannot be reached (E_FOLDER_UNREACHABLE): the daemon of a
   * store that reached it before starts on what it kept, and its cycles try again.
   */
  readonly startUnreachable?: boolean;
  /** Hears of a local working folder's file worker that failed for good: the folder goes on without it, more slowly. */
  readonly onFolderWorkerFailure?: (error: AsyncClientError) => void;
}

/**
 * Opens the channel database (journal migrated) and the working folder, and runs the
 * preflight that CDX operators missed: database writable with room on its disk, folder
 * reachable and writable. Anything wrong throws a coded error and leaves nothing open, and
 * nothing behind that this start created (the state directory, a fresh database file).
 * The daemon, the one-shot cycle commands and `sessions` all start here.
 */
export async function openStoreResources(profile: Profile, options: StoreResourceOptions = {}): Promise<StoreResources> {
  const createdDirectory = await mkdir(profile.stateDirectory, { recursive: true });
  const { database } = profile.channel;
  // A PostgreSQL database is never created here; a SQLite file may be, and is removed again if the start fails.
  const freshSqliteFile =
    typeof database === 'string' &&
    (await access(database).then(
      () => false,
      () => true,
    ));
  const locks: InstanceLock[] = [];
  const undo = async (): Promise<void> => {
    await Promise.allSettled(locks.map((lock) => lock.release()));
    if (freshSqliteFile) await removeDatabaseFiles(database);
    if (createdDirectory !== undefined) await rm(createdDirectory, { recursive: true, force: true });
  };
  let channelDatabase: ChannelDatabase;
  try {
    channelDatabase = await openChannelDatabase(profile.channel);
  } catch (error) {
    await undo();
    throw error;
  }
  try {
    // After the database opened (its errors say more about an unwritable state directory), before anything is written.
    for (const direction of options.lock?.directions ?? []) {
      locks.push(await InstanceLock.acquire(profile.stateDirectory, direction, options.lock?.command ?? 'async-client'));
    }
  } catch (error) {
    await channelDatabase.close();
    await undo();
    throw error;
  }
  let workingFolder: WorkingFolder;
  try {
    workingFolder = await openWorkingFolder(profile.workingFolder, {
      probeOwner: profile.channel.id,
      onWorkerFailure: options.onFolderWorkerFailure,
    });
  } catch (error) {
    await channelDatabase.close();
    await undo();
    throw error;
  }
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
        await Promise.allSettled(locks.map((lock) => lock.release()));
      },
    };
  } catch (error) {
    await Promise.allSettled([workingFolder.close(), channelDatabase.close()]);
    await undo();
    throw error instanceof AsyncClientError
      ? error
      : new AsyncClientError('E_PREFLIGHT', `start-up checks failed: ${String(error)}`, {}, { cause: error });
  }
}

/** SQLite's file and the companions it may have made beside it. */
async function removeDatabaseFiles(database: string): Promise<void> {
  await Promise.allSettled(['', '-wal', '-shm', '-journal'].map((suffix) => rm(`${database}${suffix}`, { force: true })));
}
