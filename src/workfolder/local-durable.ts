import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { errorCode } from '../errors.js';
import type { FolderPath } from './paths.js';

/**
 * Items of a batch in flight at once. Each waits mostly for an fsync, which the disk serves one
 * at a time: more would only hold the thread pool that other file work (the next package's
 * read) waits for too.
 */
const BATCH_IN_FLIGHT = 2;
/** Directory fsync is not supported everywhere (CIFS answers EINVAL); the rename itself still happened. */
const DIRECTORY_SYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP']);

/**
 * Writes `content` under the hidden name `temporary` beside `absolute`, makes it durable, and
 * renames it into place: the file is whole or absent. The rename is durable once the folder is
 * synced (`syncDirectory`). Throws the system's error; the temporary file is gone on failure.
 */
export async function writeInPlace(absolute: string, temporary: FolderPath, content: Readable | Uint8Array): Promise<void> {
  const temporaryPath = path.join(path.dirname(absolute), ...temporary.slice(-1));
  let handle: FileHandle | undefined;
  try {
    handle = await open(temporaryPath, 'wx');
    await writeContent(handle, content);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporaryPath, absolute);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(temporaryPath).catch(() => undefined);
    throw error;
  }
}

/** Makes the names in `directory` durable: renames into and out of it survive a power cut. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch (error) {
    if (!DIRECTORY_SYNC_UNSUPPORTED.has(errorCode(error))) throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Runs `each` on every item, `BATCH_IN_FLIGHT` at a time; each returns the folders it changed,
 * which are synced once each when all are done. Every item settles on its own; one whose folder
 * cannot be synced fails with `toError` of the sync's error.
 */
export async function syncedEach<Item>(
  items: readonly Item[],
  each: (item: Item) => Promise<readonly string[]>,
  toError: (error: unknown) => Error,
): Promise<PromiseSettledResult<void>[]> {
  const done: PromiseSettledResult<readonly string[]>[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      done[i] = await each(items[i] as Item).then(
        (value) => ({ status: 'fulfilled', value }),
        (reason: unknown) => ({ status: 'rejected', reason }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_IN_FLIGHT, items.length) }, worker));
  const folders = new Set(done.flatMap((result) => (result.status === 'fulfilled' ? result.value : [])));
  const unsynced = new Map<string, unknown>();
  for (const folder of folders) await syncDirectory(folder).catch((error: unknown) => unsynced.set(folder, error));
  return done.map((result): PromiseSettledResult<void> => {
    if (result.status === 'rejected') return result;
    const failed = result.value.find((folder) => unsynced.has(folder));
    return failed === undefined ? { status: 'fulfilled', value: undefined } : { status: 'rejected', reason: toError(unsynced.get(failed)) };
  });
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
