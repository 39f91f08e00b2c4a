import type { DownloadSession } from '../channel/download-journal.js';
import { AsyncClientError } from '../errors.js';
import type { Cycle, CycleDeps, CycleReport } from '../schedule/cycle.js';
import { type ChannelFolders, channelFolders } from '../workfolder/layout.js';
import type { FolderEntry } from '../workfolder/working-folder.js';
import { readPublicKey } from './public-key.js';
import { listDownloadPackages, sequencesAfter, type DownloadListing } from './download-listing.js';
import { BackgroundWork } from './background-work.js';
import { DownloadMetrics } from './download-metrics.js';
import { FileChecksums } from './file-checksums.js';
import { type FinishedPackage, HqReport } from './hq-report.js';
import { ReportsAfterFlush } from './reports-after-flush.js';
import { PackageTurn, type PreparedPackage, type TurnContext } from './package-turn.js';
import { PreparedAhead } from './prepared-ahead.js';
import { RunTally } from './run-tally.js';
import { StagingArea } from './staging.js';

/**
 * Groups of applied packages whose status reports and moves may overlap the next packages' applies.
 * A backlog's walk waited for the telling with 2 (docs/benchmarks.md, issue 10, sixteenth round):
 * with 4 it was faster in 11 of 12 interleaved rounds; with 8, slower again.
 */
const GROUPS_IN_FLIGHT = 4;

export interface DownloadCycleDeps extends CycleDeps {
  /** Local folder for staged copies: `<stateDirectory>/staging` (downloadStagingDirectory). */
  readonly stagingDirectory: string;
}

/**
 * The download cycle: applies this channel's packages from the working folder to the channel
 * database, exactly once and in sequence order. One run:
 *
 * 1. sweeps staging copies that a killed process left, and lists the download area once;
 * 2. settles files at or below the highest Applied sequence: a package whose Applied commit
 *    happened just before a crash is reported and moved to `applied/` (never applied again),
 *    a canceled one moved to `canceled/`, anything else with such a sequence refused loudly;
 * 3. walks the sequences from highest Applied + 1: each package is staged, verified, recorded
 *    and applied (package-turn.ts); the walk stops at a failure, a gap, a Suspended package,
 *    a backoff not yet over, or the abort signal. N+1 is never applied before N.
 */
export function createDownloadCycle(deps: DownloadCycleDeps): Cycle {
  const metrics = new DownloadMetrics(deps.registry);
  const staging = new StagingArea(deps.stagingDirectory);
  const report = new HqReport(deps.workingFolder, deps.log, deps.clock);
  const checksums = new FileChecksums(deps.workingFolder, staging);
  const turn = new PackageTurn({ ...deps, staging, report, metrics });
  return {
    direction: 'download',
    run: (signal) => new DownloadRun(deps, metrics, report, checksums, turn, staging).run(signal),
  };
}

class DownloadRun {
  private readonly tally = new RunTally();

  constructor(
    private readonly deps: DownloadCycleDeps,
    private readonly metrics: DownloadMetrics,
    private readonly report: HqReport,
    private readonly checksums: FileChecksums,
    private readonly turn: PackageTurn,
    private readonly staging: StagingArea,
  ) {}

  async run(signal: AbortSignal): Promise<CycleReport> {
    const profile = this.deps.profile();
    const folders = channelFolders(profile.channel.id);
    const context: TurnContext = {
      channelId: profile.channel.id,
      folders,
      settings: profile.download,
      publicKey: await readPublicKey(profile.download.publicKey),
      tally: this.tally,
      reports: new ReportsAfterFlush(this.deps.channelDatabase, new BackgroundWork(GROUPS_IN_FLIGHT), (group) =>
        this.settleEach(folders, group),
      ),
    };
    this.report.beginRun();
    const listing = await listDownloadPackages(this.deps.workingFolder, context.folders.download, context.channelId);
    const swept = await this.staging.sweep(listing.values());
    if (swept > 0) this.deps.log.info({ files: swept, directory: this.staging.directory }, 'download.staging_swept');
    this.checksums.keepOnly(listing.values());
    const highest = await this.deps.channelDatabase.downloads.highestApplied();
    for (const [sequence, file] of listing) {
      if (sequence <= highest && !signal.aborted) await this.settleOld(context, sequence, file);
    }
    this.metrics.gapAgeSeconds.set(0);
    this.metrics.packagesWaiting.set(0);
    try {
      await this.walk(context, listing, highest + 1, signal);
    } finally {
      await context.reports.drain();
    }
    return this.tally.report();
  }

  /** A file whose sequence is at or below the highest Applied one. */
  private async settleOld(run: TurnContext, sequence: number, file: FolderEntry): Promise<void> {
    const session = await this.deps.channelDatabase.downloads.findBySequence(sequence);
    const firstLook = !this.checksums.has(file);
    // The apply keeps its copy before it announces the package: an abandoned copy means the process ended in between.
    const unannounced = this.staging.wasAbandoned(file.name) && this.staging.keptChecksum(file) === undefined;
    const checksum = await this.checksums.of(file);
    if ((session?.status === 'Applied' || session?.status === 'Canceled') && session.checksum === checksum) {
      if (session.status === 'Applied' && unannounced) this.turn.announceApplied(run, session, file, { recovered: true });
      if (await this.settle(run, file, session)) {
        this.deps.log.info({ sequence, file: file.name, sessionId: session.id, status: session.status }, 'download.settled');
        this.tally.recordSettled();
      }
      return;
    }
    this.tally.recordFailure();
    if (!firstLook) return;
    // Refused once per file version and process: loud, but not a line per run.
    const error = staleSequence(file, sequence, checksum, session);
    this.deps.log.error({ code: error.code, sequence, file: file.name, tries: 0, checksum, message: error.message }, 'download.failed');
    this.metrics.packagesFailed.inc({ code: error.code });
    if (session !== null) await this.report.status(run.folders, session, error.message);
  }

  /** Reports and moves a finished package; once moved, its kept copy goes. */
  private async settle(run: TurnContext, file: FolderEntry, session: DownloadSession): Promise<boolean> {
    return (await this.settleEach(run.folders, [{ file, session }])) === 1;
  }

  /** Reports and moves finished packages together; the kept copies of those moved go. Returns how many moved. */
  private async settleEach(folders: ChannelFolders, finished: readonly FinishedPackage[]): Promise<number> {
    const moved = await this.report.settleEach(folders, finished);
    for (const file of moved) this.staging.release(file);
    return moved.length;
  }

  private async walk(run: TurnContext, listing: DownloadListing, from: number, signal: AbortSignal): Promise<void> {
    const journal = this.deps.channelDatabase.downloads;
    const preparer = {
      prepare: (file: FolderEntry) => this.turn.prepare(run, file),
      discard: (prepared: PreparedPackage) => this.turn.discard(prepared),
    };
    const ahead = new PreparedAhead(preparer, listing, (file) => this.staging.holds(file));
    try {
      for (let sequence = from; !signal.aborted; sequence += 1) {
        const file = listing.get(sequence);
        const session = await journal.findBySequence(sequence);
        if (session?.status === 'Canceled' && (file === undefined || (await this.checksums.of(file)) === session.checksum)) {
          if (file !== undefined && (await this.settle(run, file, session))) this.tally.recordSettled();
          continue;
        }
        if (file === undefined) {
          await this.waitOnGap(run, listing, sequence, session);
          return;
        }
        const known = session?.status === 'Canceled' ? null : session;
        if (known !== null && !(await this.mayTry(run, listing, file, known))) return;
        const followed = listing.get(sequence + 1) !== undefined;
        if (!(await this.turn.take(run, file, sequence, session, await ahead.take(sequence, file), followed))) {
          this.countWaiting(listing, sequence);
          return;
        }
      }
    } finally {
      await ahead.discard();
    }
  }

  /** Whether a known, unfinished package may be tried now; reports why not otherwise. */
  private async mayTry(run: TurnContext, listing: DownloadListing, file: FolderEntry, known: DownloadSession): Promise<boolean> {
    const journal = this.deps.channelDatabase.downloads;
    let session = known;
    if (session.status === 'ApplyFailed' && session.tries >= run.settings.tryLimit) {
      // A crash between the failure and the suspension, or a try limit lowered by a reload.
      session = await journal.markSuspended(session.id);
      this.metrics.packagesSuspended.inc();
    }
    // HQ may correct a stuck package by replacing its file whole: that one gets its turn.
    const replaced = async (): Promise<boolean> => file.size !== session.size || (await this.checksums.of(file)) !== session.checksum;
    if (session.status === 'Suspended' && !(await replaced())) {
      const message = `sequence ${session.sequence} is Suspended (${session.errorCode}): retry or cancel session ${session.id} with \`async-client sessions\``;
      this.block(listing, session, { reason: 'suspended', sequence: session.sequence, message });
      await this.report.status(run.folders, session);
      return false;
    }
    const retryAt = session.nextTryAt;
    if (session.status === 'ApplyFailed' && retryAt !== null && retryAt > this.deps.clock.now() && !(await replaced())) {
      const message = `sequence ${session.sequence} failed (${session.errorCode}) and is retried after ${retryAt.toISOString()}`;
      this.block(listing, session, { reason: 'backoff', sequence: session.sequence, message });
      return false;
    }
    return true;
  }

  private block(listing: DownloadListing, session: DownloadSession, wait: Parameters<RunTally['waitFor']>[0]): void {
    const waiting = this.countWaiting(listing, session.sequence);
    this.tally.waitFor(wait);
    this.deps.log.warn(
      {
        sequence: session.sequence,
        sessionId: session.id,
        status: session.status,
        reason: wait.reason,
        waitingPackages: waiting,
        message: wait.message,
      },
      'download.waiting',
    );
  }

  /**
   * Sequence `missing` is not in the download area while later ones are (or its file went
   * away). The gap's age runs from the oldest later file's modification time, which survives
   * restarts; once older than gapReportMinutes it is logged, and the gauge always shows it.
   */
  private async waitOnGap(run: TurnContext, listing: DownloadListing, missing: number, session: DownloadSession | null): Promise<void> {
    const later = sequencesAfter(listing, missing);
    if (later.length === 0 && session === null) return;
    const times = later.map((s) => (listing.get(s) as FolderEntry).modifiedAt.getTime());
    const since = new Date(times.length > 0 ? Math.min(...times) : (session as DownloadSession).availableAt.getTime());
    const ageSeconds = Math.max(0, (this.deps.clock.now().getTime() - since.getTime()) / 1000);
    const what =
      session === null
        ? `sequence ${missing} has not arrived`
        : `the file of sequence ${missing} (session ${session.id}, ${session.status}) is no longer in the download area`;
    const message = `waiting: ${what}; ${later.length === 1 ? '1 later package waits' : `${later.length} later packages wait`} behind it`;
    this.tally.waitFor({ reason: 'gap', sequence: missing, message });
    this.metrics.gapAgeSeconds.set(ageSeconds);
    this.metrics.packagesWaiting.set(later.length);
    const reportable = ageSeconds >= run.settings.gapReportMinutes * 60;
    this.deps.log[reportable ? 'warn' : 'debug'](
      {
        missingSequence: missing,
        since: since.toISOString(),
        ageMinutes: Math.floor(ageSeconds / 60),
        waitingPackages: later.length,
        firstWaiting: later[0] ?? null,
        message,
      },
      reportable ? 'download.gap' : 'download.gap_pending',
    );
  }

  private countWaiting(listing: DownloadListing, blocking: number): number {
    const waiting = sequencesAfter(listing, blocking).length;
    this.metrics.packagesWaiting.set(waiting);
    return waiting;
  }
}

function staleSequence(file: FolderEntry, sequence: number, checksum: string, session: DownloadSession | null): AsyncClientError {
  const seen =
    session === null
      ? `sequence ${sequence} was never seen here, yet a later sequence is already applied`
      : `sequence ${sequence} is already ${session.status} with checksum ${session.checksum} (session ${session.id})`;
  return new AsyncClientError(
    'E_SEQUENCE_CONFLICT',
    `package ${file.name} (checksum ${checksum}) is refused and never applied: ${seen}; HQ must not reuse a sequence: ask HQ which package is right, and remove this file`,
    { sequence, checksum, existingSessionId: session?.id ?? null },
  );
}
