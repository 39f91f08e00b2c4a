import type { DownloadSession } from '../channel/download-journal.js';
import { errorCode, errorMessage } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import type { Clock } from '../schedule/clock.js';
import { statusReportBytes, statusReportPath, type ChannelFolders, type PackageStatusReport } from '../workfolder/layout.js';
import type { FolderEntry, WorkingFolder } from '../workfolder/working-folder.js';

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
    if (this.written.get(session.fileName) === key) return;
    await this.echo(
      session,
      'status report',
      async () => {
        await this.ensureDir(folders.status);
        await this.folder.writeAtomic(
          statusReportPath(folders, session.fileName),
          statusReportBytes({ ...report, updatedAt: this.clock.now().toISOString() }),
        );
        this.written.set(session.fileName, key);
      },
      undefined,
    );
  }

  /** Reports an Applied or Canceled session and moves its file out of `download/`; true when moved. */
  async settle(folders: ChannelFolders, file: FolderEntry, session: DownloadSession): Promise<boolean> {
    await this.status(folders, session, session.status === 'Canceled' ? session.cancelReason : null);
    const area = session.status === 'Applied' ? folders.applied : folders.canceled;
    return this.echo(
      session,
      `move to ${area}`,
      async () => {
        await this.ensureDir(area);
        await this.folder.move(file.path, `${area}/${file.name}`);
        this.written.delete(session.fileName);
        return true;
      },
      false,
    );
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

  private async echo<T>(session: DownloadSession, what: string, action: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await action();
    } catch (error) {
      this.log.warn(
        { sequence: session.sequence, file: session.fileName, code: errorCode(error), message: errorMessage(error), what },
        'download.report_failed',
      );
      return fallback;
    }
  }
}
