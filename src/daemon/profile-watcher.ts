import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import { watchFolder } from '../local-files/folder-watcher.js';

export interface ProfileWatcherOptions {
  /** Quiet time after the last event before `onChange` fires: an editor's save is several events. */
  readonly settleMs?: number;
  readonly onChange: () => void;
  readonly onError: (error: unknown) => void;
}

/**
 * Watches the profile file for edits. It watches the file's folder rather than the file,
 * because editors that save by rename (vim, `sed -i`) replace the file with a new one that
 * a watch on the old file would never see.
 */
export class ProfileWatcher {
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly watcher: FSWatcher) {}

  static async start(file: string, options: ProfileWatcherOptions): Promise<ProfileWatcher> {
    const target = path.resolve(file);
    const folder = path.dirname(target);
    const watcher = watchFolder(folder, {
      ignoreInitial: true,
      depth: 0,
      ignored: (candidate: string) => candidate !== folder && candidate !== target,
    });
    const profileWatcher = new ProfileWatcher(watcher);
    const changed = (changedPath: string): void => {
      if (changedPath === target) profileWatcher.settle(options.settleMs ?? 200, options.onChange);
    };
    watcher.on('add', changed).on('change', changed).on('error', options.onError);
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    return profileWatcher;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.watcher.close();
  }

  private settle(ms: number, onChange: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(onChange, ms);
  }
}
