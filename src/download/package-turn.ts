import type { ChannelDatabase } from '../channel/channel-database.js';
import type { DownloadSession } from '../channel/download-journal.js';
import { canDownloadStatusBecome } from '../channel/session-status.js';
import { errorCode, errorMessage } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import { openPackageForApply, type OpenedPackage, type PackageReaderOptions, type PackageSource } from '../package/index.js';
import type { DownloadSettings } from '../profile/profile.js';
import type { Clock } from '../schedule/clock.js';
import type { ChannelFolders } from '../workfolder/layout.js';
import type { FolderEntry, WorkingFolder } from '../workfolder/working-folder.js';
import type { DownloadMetrics } from './download-metrics.js';
import { cannotHealByRetrying, nextTryAt } from './failure-policy.js';
import type { HqReport } from './hq-report.js';
import type { ReportsAfterFlush } from './reports-after-flush.js';
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
  /** Reports to HQ, sent once the Applied commits are flushed, overlapping the next packages. */
  readonly reports: ReportsAfterFlush;
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

/** The reader's byte source: the bytes held in memory, else the staged copy. */
function stagedSource(staged: StagedFile): PackageSource {
  return staged.bytes ?? staged.path;
}

/** A package staged, its frame (digest, signature) and manifest checked ahead of its turn; nothing is journaled yet. */
export type PreparedPackage =
  | { readonly outcome: 'unreadable'; readonly error: unknown }
  | { readonly outcome: 'refused'; readonly staged: StagedFile; readonly error: unknown }
  | { readonly outcome: 'verified'; readonly staged: StagedFile; readonly opened: OpenedPackage };

/**
 * One package's turn, in two steps. `prepare` stages the file locally and checks its frame
 * (digest, signature) and manifest, touching neither the journal nor the channel tables, so
 * that the next package can be prepared while this one is applied. `take` records the package
 * and applies it (ChannelDatabase.recordAndApply: one transaction for a small package): its
 * content is decompressed and checked once, as the rows stream into the channel database's
 * staging, and a content error discards them; the rows and the Applied record become visible
 * together. Then it tells HQ. Any failure is recorded on the
 * session (ApplyFailed with backoff, or Suspended), logged once as `download.failed`, counted,
 * and reported to HQ.
 */
export class PackageTurn {
  constructor(private readonly deps: TurnDeps) {}

  /** Never rejects: a failure is part of the result, for `take` to journal. */
  async prepare(run: TurnContext, file: FolderEntry): Promise<PreparedPackage> {
    let staged: StagedFile;
    try {
      staged = await this.deps.staging.stage(this.deps.workingFolder, file);
    } catch (error) {
      return { outcome: 'unreadable', error };
    }
    try {
      return { outcome: 'verified', staged, opened: await openPackageForApply(stagedSource(staged), this.readerOptions(run, file)) };
    } catch (error) {
      return { outcome: 'refused', staged, error };
    }
  }

  discard(prepared: PreparedPackage): void {
    if (prepared.outcome !== 'unreadable') this.deps.staging.discard(prepared.staged);
  }

  /**
   * Journals and applies a prepared package, then discards its staged copy. Returns whether it
   * was applied; the report of an applied one may still wait or be in flight (`run.reports`).
   * `followed`: the next sequence is waiting too (ApplyPolicy.followed).
   */
  async take(
    run: TurnContext,
    file: FolderEntry,
    sequence: number,
    known: DownloadSession | null,
    prepared: PreparedPackage,
    followed: boolean,
  ): Promise<boolean> {
    if (prepared.outcome === 'unreadable') {
      await this.unreadable(run, file, sequence, known, prepared.error);
      return false;
    }
    try {
      return await this.applyPrepared(run, file, sequence, known, prepared, followed);
    } finally {
      this.discard(prepared);
    }
  }

  private async applyPrepared(
    run: TurnContext,
    file: FolderEntry,
    sequence: number,
    known: DownloadSession | null,
    prepared: Exclude<PreparedPackage, { outcome: 'unreadable' }>,
    followed: boolean,
  ): Promise<boolean> {
    const { channelDatabase, log, clock } = this.deps;
    const journal = channelDatabase.downloads;
    const { checksum, size } = prepared.staged;
    const started = clock.now();
    if (known !== null && known.status !== 'Canceled' && known.checksum !== checksum) {
      // docs/working-folder.md lets HQ correct a package not yet applied by replacing the file whole.
      await journal.cancel(known.id, SYSTEM_ACTOR, `replaced by HQ with a file of checksum ${checksum}`);
      log.warn({ sequence, file: file.name, sessionId: known.id, oldChecksum: known.checksum, checksum }, 'download.replaced');
    }
    if (prepared.outcome === 'refused') {
      return this.fail(run, await journal.record({ sequence, jobId: '', fileName: file.name, size, checksum }), prepared.error);
    }
    const { manifest } = prepared.opened;
    const seen = { sequence, jobId: manifest.job.id, fileName: file.name, size, checksum };
    let applied: DownloadSession;
    try {
      applied = await channelDatabase.recordAndApply(seen, manifest, prepared.opened.batches(), {
        allowCreateTables: run.settings.allowCreateTables,
        followed,
      });
    } catch (error) {
      // A small package's record rolled back with its rows: the failure is journaled on a session recorded now.
      return this.fail(run, await journal.recordDownloaded(seen), error);
    }
    // Kept before it is announced: a package Applied with no kept copy (a crash in between) is announced when it is settled.
    this.deps.staging.keep(prepared.staged, file);
    this.announceApplied(run, applied, file, {
      kind: manifest.kind,
      job: manifest.job.id,
      durationMs: clock.now().getTime() - started.getTime(),
    });
    await run.reports.add({ file, session: applied });
    return true;
  }

  /**
   * `download.applied`, its metrics and the run's tally, once per Applied package: right after
   * the apply, or, when the process ended between the commit and the kept copy, when the next
   * run settles the package (`recovered: true`). The rows are those the session recorded.
   */
  announceApplied(run: TurnContext, session: DownloadSession, file: FolderEntry, facts: Readonly<Record<string, unknown>>): void {
    const { log, metrics, clock } = this.deps;
    const { rowsAffected } = session;
    const rows = Object.values(rowsAffected).reduce((sum, count) => sum + count, 0);
    log.info({ sequence: session.sequence, file: file.name, sessionId: session.id, ...facts, rowsAffected, rows }, 'download.applied');
    metrics.packagesApplied.inc();
    metrics.rowsApplied.inc(rows);
    metrics.lastSuccessTimestamp.set(clock.now().getTime() / 1000);
    run.tally.recordApplied(session.sequence, rows);
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
   * package seen for the first time (or the replacement of a Suspended one) is only logged and
   * counted, and the run reports the failure; a session still being tried takes the failure.
   * The next run reads the file again.
   */
  private async unreadable(
    run: TurnContext,
    file: FolderEntry,
    sequence: number,
    known: DownloadSession | null,
    error: unknown,
  ): Promise<void> {
    if (known !== null && canDownloadStatusBecome(known.status, 'ApplyFailed')) {
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
    const retryAt = permanent ? null : nextTryAt(run.settings, tries, clock.now(), error);
    let result = await journal.markApplyFailed(session.id, failure, retryAt);
    if (permanent || result.tries >= run.settings.tryLimit) {
      result = await journal.markSuspended(result.id);
      metrics.packagesSuspended.inc();
    }
    log.error(
      {
        code: failure.code,
        sequence: session.sequence,
        file: session.fileName,
        tries: result.tries,
        sessionId: session.id,
        status: result.status,
        nextTryAt: result.nextTryAt?.toISOString() ?? null,
        message: failure.message,
      },
      'download.failed',
    );
    metrics.packagesFailed.inc({ code: failure.code });
    run.tally.recordFailure();
    await report.status(run.folders, result);
    return false;
  }
}
