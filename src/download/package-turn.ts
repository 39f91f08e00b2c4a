import type { ChannelDatabase } from '../channel/channel-database.js';
import type { DownloadSession } from '../channel/download-journal.js';
import { errorCode, errorMessage } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import { openPackage, type OpenedPackage, type PackageReaderOptions } from '../package/index.js';
import type { DownloadSettings } from '../profile/profile.js';
import type { Clock } from '../schedule/clock.js';
import type { ChannelFolders } from '../workfolder/layout.js';
import type { FolderEntry, WorkingFolder } from '../workfolder/working-folder.js';
import type { DownloadMetrics } from './download-metrics.js';
import { cannotHealByRetrying, nextTryAt } from './failure-policy.js';
import type { HqReport } from './hq-report.js';
import type { RunTally } from './run-tally.js';
import type { StagedFile, StagingArea } from './staging.js';

/** What a turn needs from the run it belongs to. */
export interface TurnContext {
  readonly channelId: string;
  readonly folders: ChannelFolders;
  readonly settings: DownloadSettings;
  /** The pinned public key's PEM text, when the profile names one. */
  readonly publicKey: string | undefined;
  readonly tally: RunTally;
}

export interface TurnDeps {
  readonly channelDatabase: ChannelDatabase;
  readonly workingFolder: WorkingFolder;
  readonly staging: StagingArea;
  readonly report: HqReport;
  readonly metrics: DownloadMetrics;
  readonly log: Logger;
  readonly clock: Clock;
}

/** The system's name in the journal when it cancels a session itself. */
const SYSTEM_ACTOR = 'async-client';

/**
 * One package's turn: stage the file locally, verify it completely, record it, then apply
 * its rows and the Applied record in one transaction, and finally tell HQ. Any failure is
 * recorded on the session (ApplyFailed with backoff, or Suspended), logged once as
 * `download.failed`, counted, and reported to HQ. Returns whether the package was applied.
 */
export class PackageTurn {
  constructor(private readonly deps: TurnDeps) {}

  async take(run: TurnContext, file: FolderEntry, sequence: number, known: DownloadSession | null): Promise<boolean> {
    const { staging, workingFolder } = this.deps;
    let staged: StagedFile;
    try {
      staged = await staging.stage(workingFolder, file);
    } catch (error) {
      await this.unreadable(run, file, sequence, known, error);
      return false;
    }
    try {
      return await this.applyStaged(run, file, sequence, known, staged);
    } finally {
      await staging.discard(staged);
    }
  }

  private async applyStaged(run: TurnContext, file: FolderEntry, sequence: number, known: DownloadSession | null, staged: StagedFile): Promise<boolean> {
    const { channelDatabase, log, clock } = this.deps;
    const journal = channelDatabase.downloads;
    if (known !== null && known.status !== 'Canceled' && known.checksum !== staged.checksum) {
      // docs/working-folder.md lets HQ correct a package not yet applied by replacing the file whole.
      await journal.cancel(known.id, SYSTEM_ACTOR, `replaced by HQ with a file of checksum ${staged.checksum}`);
      log.warn({ sequence, file: file.name, sessionId: known.id, oldChecksum: known.checksum, checksum: staged.checksum }, 'download.replaced');
    }
    const started = clock.now();
    let opened: OpenedPackage | undefined;
    let refusal: unknown;
    try {
      opened = await openPackage(staged.path, this.readerOptions(run, file));
    } catch (error) {
      refusal = error;
    }
    const session = await journal.record({ sequence, jobId: opened?.manifest.job.id ?? '', fileName: file.name, size: staged.size, checksum: staged.checksum });
    if (opened === undefined) return this.fail(run, session, refusal);
    const downloaded = await journal.markDownloaded(session.id);
    let rowsAffected: Readonly<Record<string, number>>;
    try {
      rowsAffected = await channelDatabase.applyPackage(opened.manifest, opened.batches(), { sessionId: downloaded.id, allowCreateTables: run.settings.allowCreateTables });
    } catch (error) {
      return this.fail(run, downloaded, error);
    }
    const rows = Object.values(rowsAffected).reduce((sum, count) => sum + count, 0);
    log.info({ sequence, file: file.name, sessionId: downloaded.id, kind: opened.manifest.kind, job: opened.manifest.job.id, rowsAffected, rows, durationMs: clock.now().getTime() - started.getTime() }, 'download.applied');
    this.deps.metrics.packagesApplied.inc();
    this.deps.metrics.rowsApplied.inc(rows);
    this.deps.metrics.lastSuccessTimestamp.set(clock.now().getTime() / 1000);
    run.tally.recordApplied(sequence, rows);
    const applied = await journal.find(downloaded.id);
    if (applied !== null) await this.deps.report.settle(run.folders, file, applied);
    return true;
  }

  private readerOptions(run: TurnContext, file: FolderEntry): PackageReaderOptions {
    return {
      expectedChannelId: run.channelId,
      expectedDirection: 'download',
      expectedFileName: file.name,
      label: file.path,
      ...(run.publicKey === undefined ? {} : { publicKey: run.publicKey }),
    };
  }

  /**
   * The file could not be read whole (HQ removed or replaced it mid-read, the folder went
   * away). Without a complete copy there is no checksum to journal a new package under, so a
   * package seen for the first time is only logged, counted and reported; one already in the
   * journal takes the failure on its session. The next run reads it again.
   */
  private async unreadable(run: TurnContext, file: FolderEntry, sequence: number, known: DownloadSession | null, error: unknown): Promise<void> {
    if (known !== null && known.status !== 'Canceled') {
      await this.fail(run, known, error);
      return;
    }
    const code = errorCode(error);
    this.deps.log.error({ code, sequence, file: file.name, tries: 0, message: errorMessage(error) }, 'download.failed');
    this.deps.metrics.packagesFailed.inc({ code });
    run.tally.recordFailure();
  }

  private async fail(run: TurnContext, session: DownloadSession, error: unknown): Promise<false> {
    const { channelDatabase, clock, log, metrics, report } = this.deps;
    const journal = channelDatabase.downloads;
    const failure = { code: errorCode(error), message: errorMessage(error) };
    const permanent = cannotHealByRetrying(failure.code);
    const tries = session.tries + 1;
    const retryAt = permanent ? null : nextTryAt(run.settings, tries, clock.now());
    let result = await journal.markApplyFailed(session.id, failure, retryAt);
    if (permanent || result.tries >= run.settings.tryLimit) {
      result = await journal.markSuspended(result.id);
      metrics.packagesSuspended.inc();
    }
    log.error(
      { code: failure.code, sequence: session.sequence, file: session.fileName, tries: result.tries, sessionId: session.id, status: result.status, nextTryAt: result.nextTryAt?.toISOString() ?? null, message: failure.message },
      'download.failed',
    );
    metrics.packagesFailed.inc({ code: failure.code });
    run.tally.recordFailure();
    await report.status(run.folders, result);
    return false;
  }
}
