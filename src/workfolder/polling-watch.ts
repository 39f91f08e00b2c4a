import { AsyncClientError } from '../errors.js';
import { FolderErrorCode, versionOf, type FolderEntry, type FolderWatch, type WatchOptions } from './working-folder.js';

/**
 * Lists a folder every `pollSeconds` and reports the names that are new or have a new version
 * (ETag, else size and time) since the last listing: one request per poll, the cheapest a
 * WebDAV server can be asked "anything new?". The first listing only sets what is known, and
 * the watch settles once it is done (failed, the next listing sets it).
 */
export async function pollFolder(
  list: () => Promise<FolderEntry[]>,
  onChange: (names: readonly string[]) => void,
  options: WatchOptions,
): Promise<FolderWatch> {
  let known: Map<string, string> | undefined;
  const poll = async (): Promise<void> => {
    try {
      const listed = new Map((await list()).map((entry) => [entry.name, versionOf(entry)]));
      const previous = known;
      known = listed;
      if (previous === undefined) return;
      const changed = [...listed].filter(([name, version]) => previous.get(name) !== version).map(([name]) => name);
      if (changed.length > 0) onChange(changed);
    } catch (error) {
      options.onError(
        error instanceof AsyncClientError
          ? error
          : new AsyncClientError(FolderErrorCode.io, `Cannot poll the folder for new files: ${String(error)}.`, {}, { cause: error }),
      );
    }
  };
  await poll();
  let polling = Promise.resolve();
  const timer = setInterval(() => {
    polling = polling.then(poll);
  }, options.pollSeconds * 1000);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await polling;
    },
  };
}
