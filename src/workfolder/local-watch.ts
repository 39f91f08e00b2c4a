import path from 'node:path';
import { watchFolder } from '../local-files/folder-watcher.js';
import { isHiddenName } from './paths.js';
import { localFolderError } from './local-errors.js';
import type { FolderWatch, WatchOptions } from './working-folder.js';

/** How long a file's size must hold still before it is reported: a writer in place is not done before. */
const STABLE_MS = 1000;

/**
 * chokidar on one folder of a local path: native events, or polling for network shares
 * (NFS, SMB) whose changes made on the server raise no event here. Settles on chokidar's
 * `ready`: a file added before its first scan ends counts as there at the start, unreported.
 */
export async function watchLocalFolder(
  absolute: string,
  onChange: (names: readonly string[]) => void,
  options: WatchOptions,
): Promise<FolderWatch> {
  const watcher = watchFolder(absolute, {
    ignoreInitial: true,
    depth: 0,
    usePolling: options.polling,
    interval: options.pollSeconds * 1000,
    awaitWriteFinish: { stabilityThreshold: STABLE_MS, pollInterval: Math.min(STABLE_MS, options.pollSeconds * 1000) / 4 },
    ignored: (candidate: string) => candidate !== absolute && isHiddenName(path.basename(candidate)),
  });
  const changed = (file: string): void => {
    if (path.dirname(file) === absolute) onChange([path.basename(file)]);
  };
  const scanned = new Promise<void>((resolve) => watcher.once('ready', resolve));
  watcher
    .on('add', changed)
    .on('change', changed)
    .on('error', (error) => options.onError(localFolderError(error, { action: 'watch', path: '', root: absolute })));
  await scanned;
  return { close: () => watcher.close() };
}
