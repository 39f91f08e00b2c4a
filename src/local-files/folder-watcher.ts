import { type ChokidarOptions, FSWatcher } from 'chokidar';

/**
 * chokidar's watcher, closed for good once closed. chokidar 5 opens a closed watcher again by
 * itself when the removal of a watched file it was still handling (its stat was in flight)
 * finishes after `close()`: `_remove` calls `add`, which clears `closed` and puts a new fs.watch
 * on the folder that nothing ever closes. The daemon then logged `daemon.stopped` and never
 * exited, when SIGTERM came just after a package was applied and deleted.
 */
class FolderWatcher extends FSWatcher {
  private ended = false;

  override add(...args: Parameters<FSWatcher['add']>): FSWatcher {
    return this.ended ? this : super.add(...args);
  }

  override close(): Promise<void> {
    this.ended = true;
    return super.close();
  }
}

/** chokidar's `watch(folder, options)`, except that `close()` is final. */
export function watchFolder(folder: string, options: ChokidarOptions): FSWatcher {
  return new FolderWatcher(options).add(folder);
}
