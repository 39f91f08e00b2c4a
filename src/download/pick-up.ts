import { errorMessage } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import { parsePackageFileName } from '../package/file-name.js';
import type { DownloadSettings } from '../profile/profile.js';
import { channelFolders } from '../workfolder/layout.js';
import type { FolderWatch, WorkingFolder } from '../workfolder/working-folder.js';

/** Quiet time after a new package before the cycle starts: HQ often drops several at once. */
const DEBOUNCE_MS = 500;

export interface PickUpDeps {
  readonly workingFolder: WorkingFolder;
  readonly log: Logger;
  /** Starts a download cycle now; the scheduler never overlaps it with one in flight. */
  readonly runDownload: () => void;
  /** Whether a download cycle is running now. */
  readonly isDownloading: () => boolean;
}

/**
 * Immediate pick-up: watches this channel's download area (file events on a local path, a
 * listing every `download.pollSeconds` on WebDAV) and starts a download cycle as soon as a
 * complete package of this channel appears, debounced; a package that appears while a cycle
 * runs starts another once it ends. The timer stays the safety net; names that are not
 * complete package names (HQ's temporary files) start nothing.
 */
export class DownloadPickUp {
  private watch: FolderWatch | undefined;
  private watching: { channelId: string; pollSeconds: number; polling: boolean } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pending = false;

  constructor(private readonly deps: PickUpDeps) {}

  /** Starts watching, or watches again when the profile changed what to watch or how. */
  async follow(channelId: string, settings: Pick<DownloadSettings, 'pollSeconds' | 'watchPolling'>): Promise<void> {
    const wanted = { channelId, pollSeconds: settings.pollSeconds, polling: settings.watchPolling };
    if (JSON.stringify(wanted) === JSON.stringify(this.watching)) return;
    await this.close();
    this.watching = wanted;
    if (wanted.pollSeconds === 0) return;
    const area = channelFolders(channelId).download;
    const watch = await this.deps.workingFolder.watch(
      area,
      (names) => {
        const packages = names.filter((name) => {
          const parsed = parsePackageFileName(name);
          return parsed?.channelId === channelId && parsed.direction === 'download';
        });
        if (packages.length > 0) this.arrived(packages);
      },
      {
        pollSeconds: wanted.pollSeconds,
        polling: wanted.polling,
        onError: (error) => this.deps.log.debug({ code: error.code, message: errorMessage(error) }, 'download.pick_up_failed'),
      },
    );
    // Closed, or told to watch something else, while the watch was starting.
    if (this.watching !== wanted) await watch.close();
    else this.watch = watch;
  }

  /** The download cycle finished: a package that arrived meanwhile gets its run now. */
  cycleFinished(): void {
    if (!this.pending) return;
    this.pending = false;
    this.start();
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.watching = undefined;
    const watch = this.watch;
    this.watch = undefined;
    await watch?.close();
  }

  private arrived(packages: readonly string[]): void {
    this.deps.log.info({ packages }, 'download.picked_up');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.start(), DEBOUNCE_MS);
    this.timer.unref();
  }

  private start(): void {
    if (this.deps.isDownloading()) this.pending = true;
    else this.deps.runDownload();
  }
}
