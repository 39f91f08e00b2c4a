import path from 'node:path';
import { watchFolder } from '../local-files/folder-watcher.js';
import { isHiddenName } from './paths.js';
import { localFolderError } from './local-errors.js';
import type { FolderWatch, WatchOptions } from './working-folder.js';

/** How long a file's size must hold still before it is reported: a writer in place is not done before. */
const STABLE_MS = 1000;

/**
 * chokidar on one folder of a local path: native events, or polling for network shares
 * (NFS, SMB) whose changes made on the server raise no event here.
 */
export function watchLocalFolder(absolute: string, onChange: (names: readonly string[]) => void, options: WatchOptions): FolderWatch {
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
  watcher
    .on('add', changed)
    .on('change', changed)
    .on('error', (error) => options.onError(localFolderError(error, { action: 'watch', path: '', root: absolute })));
  return { close: () => watcher.close() };
}
