import type { DownloadSession } from '../channel/download-journal.js';
import { errorCode, errorMessage } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import type { Clock } from '../schedule/clock.js';
import { statusReportBytes, statusReportPath, type ChannelFolders, type PackageStatusReport } from '../workfolder/layout.js';
import { type FolderEntry, moveEach, type WorkingFolder, writeEach } from '../workfolder/working-folder.js';

/** A package whose session is Applied or Canceled, and its file still in `download/`. */
export interface FinishedPackage {
  readonly file: FolderEntry;
  readonly session: DownloadSession;
}

/**
 * Tells HQ what happened to its packages, through the working folder (docs/working-folder.md):
 * a status report per package, and the move of a finished package into `applied/` or
 * `canceled/`. The journal is the truth; these are its echo, so a failure here is logged and
 * repaired by a later run (a finished package still in `download/` is settled again), never
 * turned into a package failure.
 */
export class HqReport {
  /** The last report written per package, so that a waiting package is not rewritten every run. */
  private readonly written = new Map<string, string>();
  /** Folders made during this run; forgotten at the next, so that one HQ removed is made again. */
  private readonly ensured = new Map<string, Promise<void>>();

  constructor(
    private readonly folder: WorkingFolder,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  /** Starts a run: folders are checked again once. */
  beginRun(): void {
    this.ensured.clear();
  }

  /** Writes the session's status report, unless this process already wrote the same one. */
  async status(folders: ChannelFolders, session: DownloadSession, message: string | null = session.errorMessage): Promise<void> {
    await this.statuses(folders, [{ session, message }]);
  }

  /**
   * Reports Applied or Canceled sessions and moves their files out of `download/`: the status
   * reports, then the moves, each one batch the working folder makes durable together. Returns
   * the files moved.
   */
  async settleEach(folders: ChannelFolders, finished: readonly FinishedPackage[]): Promise<FolderEntry[]> {
    await this.statuses(
      folders,
      finished.map(({ session }) => ({ session, message: session.status === 'Canceled' ? session.cancelReason : null })),
    );
    const moves = await this.withFolders(
      finished.map((item) => ({ ...item, area: item.session.status === 'Applied' ? folders.applied : folders.canceled })),
      ({ area }) => area,
      ({ area }) => `move to ${area}`,
    );
    const results = await moveEach(
      this.folder,
      moves.map(({ file, area }) => ({ from: file.path, to: `${area}/${file.name}` })),
    );
    return moves.flatMap(({ file, session, area }, i) => {
      const result = results[i] as PromiseSettledResult<void>;
      if (result.status === 'rejected') {
        this.failed(session, `move to ${area}`, result.reason);
        return [];
      }
      this.written.delete(session.fileName);
      return [file];
    });
  }

  /** Writes the status reports this process has not written the same already, as one batch. */
  private async statuses(
    folders: ChannelFolders,
    items: readonly { readonly session: DownloadSession; readonly message: string | null }[],
  ): Promise<void> {
    const due = items.flatMap(({ session, message }) => {
      const report: Omit<PackageStatusReport, 'updatedAt'> = {
        package: session.fileName,
        channelId: session.channelId,
        sequence: session.sequence,
        status: session.status,
        tries: session.tries,
        message,
        rowsAffected: session.rowsAffected,
      };
      const key = JSON.stringify(report);
      return this.written.get(session.fileName) === key ? [] : [{ session, report, key }];
    });
    const writable = await this.withFolders(
      due,
      () => folders.status,
      () => 'status report',
    );
    const now = this.clock.now().toISOString();
    const results = await writeEach(
      this.folder,
      writable.map(({ session, report }) => ({
        path: statusReportPath(folders, session.fileName),
        content: statusReportBytes({ ...report, updatedAt: now }),
      })),
    );
    writable.forEach(({ session, key }, i) => {
      const result = results[i] as PromiseSettledResult<void>;
      if (result.status === 'fulfilled') this.written.set(session.fileName, key);
      else this.failed(session, 'status report', result.reason);
    });
  }

  /** The items whose folder (`folderOf`) exists or could be made; the others' failure is logged. */
  private async withFolders<Item extends { readonly session: DownloadSession }>(
    items: readonly Item[],
    folderOf: (item: Item) => string,
    what: (item: Item) => string,
  ): Promise<Item[]> {
    const missing = new Map<string, unknown>();
    for (const dir of new Set(items.map(folderOf))) await this.ensureDir(dir).catch((error: unknown) => missing.set(dir, error));
    return items.filter((item) => {
      if (!missing.has(folderOf(item))) return true;
      this.failed(item.session, what(item), missing.get(folderOf(item)));
      return false;
    });
  }

  private ensureDir(dir: string): Promise<void> {
    let made = this.ensured.get(dir);
    if (made === undefined) {
      made = this.folder.ensureDir(dir);
      this.ensured.set(dir, made);
      made.catch(() => this.ensured.delete(dir));
    }
    return made;
  }

  private failed(session: DownloadSession, what: string, error: unknown): void {
    this.log.warn(
      { sequence: session.sequence, file: session.fileName, code: errorCode(error), message: errorMessage(error), what },
      'download.report_failed',
    );
  }
}
