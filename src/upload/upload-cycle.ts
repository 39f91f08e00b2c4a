import { NO_WATERMARK, type CounterRange, type UploadSession } from '../channel/upload-journal.js';
import { errorCode, errorMessage } from '../errors.js';
import type { Profile } from '../profile/profile.js';
import type { Cycle, CycleDeps, CycleReport } from '../schedule/cycle.js';
import { UploadMetrics } from './upload-metrics.js';
import { clearUploadStaging, publishUploadSession, uploadStagingDirectory, type UploadPublisherDeps } from './upload-publisher.js';
import { HeldTables } from './held-tables.js';
import { nextUploadTry } from './retry-backoff.js';
import { cycleSchedule } from '../profile/cycle-schedule.js';
import { retryAfterSeconds } from '../workfolder/working-folder.js';
import { checkUploadTables, uploadTableConfigs, type UploadTableProblem } from './upload-tables.js';

/** The upload cycle needs nothing beyond what every cycle gets; a reload may change its tables between runs. */
export type UploadCycleDeps = CycleDeps;

interface Attempt {
  readonly ok: boolean;
  readonly session: UploadSession;
}

/**
 * The upload cycle. One run first publishes any unfinished session again (same sequence, same
 * ranges, same bytes: crash recovery and retries), then, while there are rows past the
 * watermarks and the signal allows, plans a package in one snapshot, records the intent,
 * publishes it (see `publishUploadSession`) and moves on to the next. A table that cannot be
 * uploaded (counter gone backwards, table or counter missing) is held back and reported; the
 * other tables go on.
 */
export function createUploadCycle(deps: UploadCycleDeps): Cycle {
  const metrics = new UploadMetrics(deps.registry);
  return { direction: 'upload', run: (signal) => new UploadRun(deps, metrics).run(signal) };
}

class UploadRun {
  private readonly profile: Profile;
  private readonly publisher: UploadPublisherDeps;
  private readonly published: UploadSession[] = [];
  private readonly held: HeldTables;

  constructor(
    private readonly deps: UploadCycleDeps,
    private readonly metrics: UploadMetrics,
  ) {
    this.profile = deps.profile();
    this.publisher = {
      uploads: deps.channelDatabase.uploads,
      workingFolder: deps.workingFolder,
      stagingDirectory: uploadStagingDirectory(this.profile.stateDirectory),
      tables: uploadTableConfigs(this.profile.upload),
    };
    this.held = HeldTables.in(this.profile.stateDirectory);
  }

  async run(signal: AbortSignal): Promise<CycleReport> {
    const blocked = await this.finishPending();
    if (blocked !== null) return blocked;
    const held = await this.heldTables();
    const failed = await this.publishNew(signal, held);
    this.reportHeld([...held.values()]);
    return this.report(failed, [...held.values()]);
  }

  /** Publishes the unfinished session, if any; returns the run's report when it cannot go on. */
  private async finishPending(): Promise<CycleReport | null> {
    const pending = await this.deps.channelDatabase.uploads.pendingIntent();
    await clearUploadStaging(this.publisher.stagingDirectory, pending);
    if (pending === null) return null;
    if (pending.status === 'UploadFailed' && pending.nextTryAt !== null && pending.nextTryAt > this.deps.clock.now()) {
      const summary = `upload sequence ${pending.sequence} failed (${pending.errorCode}) and waits for its next try at ${pending.nextTryAt.toISOString()}`;
      return {
        outcome: 'idle',
        summary,
        fields: { waiting: 'retry', sequence: pending.sequence, nextTryAt: pending.nextTryAt.toISOString() },
      };
    }
    this.deps.log.info({ sequence: pending.sequence, status: pending.status, tries: pending.tries }, 'upload.resuming');
    const attempt = await this.attempt(pending);
    return attempt.ok ? null : this.report(attempt.session, []);
  }

  /** Configured tables that cannot be uploaded now: failing the table check, or held since their counter went backwards. */
  private async heldTables(): Promise<Map<string, UploadTableProblem>> {
    const problems = await checkUploadTables(this.deps.channelDatabase, this.profile.upload);
    const configured = (table: string): boolean => this.publisher.tables.some((t) => t.table === table);
    const stillHeld = (await this.held.read()).filter((h) => configured(h.table));
    return new Map([...problems, ...stillHeld].map((p) => [p.table, p]));
  }

  /**
   * Plans, records and publishes packages while there is a full package's backlog and the
   * signal allows; a table found going backwards joins `held`. Returns the session that failed.
   */
  private async publishNew(signal: AbortSignal, held: Map<string, UploadTableProblem>): Promise<UploadSession | null> {
    const uploads = this.deps.channelDatabase.uploads;
    const maxRows = this.profile.upload.maxRowsPerPackage;
    while (!signal.aborted) {
      const usable = this.publisher.tables.filter((t) => !held.has(t.table));
      if (usable.length === 0) return null;
      const plan = await uploads.snapshot((snapshot) => snapshot.plan(usable, maxRows));
      if (plan.paused.length > 0) {
        const since = this.deps.clock.now().toISOString();
        const paused = plan.paused.map(({ table, error }) => ({ table, code: error.code, message: error.message, since }));
        await this.held.hold(paused);
        for (const p of paused) held.set(p.table, p);
      }
      if (plan.ranges.length === 0) return null;
      const intent = await this.recordIntent(plan.ranges);
      if (intent === null) return null;
      const attempt = await this.attempt(intent);
      if (!attempt.ok) return attempt.session;
      // A package below the limit took everything there was when it was planned: caught up.
      // What the POS wrote since waits for the next run rather than trickling out in tiny packages.
      if (plan.rows < maxRows) return null;
    }
    return null;
  }

  /**
   * Null when another uploader (`upload --once` beside the daemon) recorded or completed a
   * package since this run planned: its plan is stale, and the other one publishes.
   */
  private async recordIntent(ranges: readonly CounterRange[]): Promise<UploadSession | null> {
    try {
      return await this.deps.channelDatabase.uploads.recordIntent(ranges);
    } catch (error) {
      const code = errorCode(error);
      if (code !== 'E_UPLOAD_INTENT_PENDING' && code !== 'E_UPLOAD_WATERMARK_MOVED') throw error;
      this.deps.log.info({ code, message: errorMessage(error) }, 'upload.concurrent');
      return null;
    }
  }

  private async attempt(session: UploadSession): Promise<Attempt> {
    try {
      const done = await publishUploadSession(this.publisher, session);
      this.published.push(done);
      this.metrics.packages.inc();
      this.metrics.bytes.inc(done.size ?? 0);
      for (const range of done.ranges) this.metrics.rows.inc({ table: range.table }, range.rows);
      this.deps.log.info(
        { sequence: done.sequence, file: done.fileName, rows: done.rows, bytes: done.size, ranges: rangeFields(done) },
        'upload.published',
      );
      return { ok: true, session: done };
    } catch (error) {
      const now = await this.deps.channelDatabase.uploads.find(session.id);
      if (now?.status === 'Uploaded') {
        this.deps.log.info({ sequence: session.sequence }, 'upload.published_elsewhere');
        return { ok: true, session: now };
      }
      const failure = { code: errorCode(error), message: errorMessage(error) };
      const schedule = cycleSchedule(this.profile, 'upload');
      const nextTryAt = nextUploadTry(this.deps.clock.now(), session.tries + 1, this.profile.upload, {
        ...(schedule.kind === 'interval' ? { intervalSeconds: schedule.minutes * 60 } : {}),
        ...retryAfterLimit(error),
      });
      const failed = await this.deps.channelDatabase.uploads.markFailed(session.id, failure, nextTryAt);
      this.metrics.failures.inc({ code: failure.code });
      this.deps.log.error(
        {
          sequence: session.sequence,
          code: failure.code,
          message: failure.message,
          tries: failed.tries,
          nextTryAt: nextTryAt.toISOString(),
        },
        'upload.failed',
      );
      return { ok: false, session: failed };
    }
  }

  private reportHeld(held: readonly UploadTableProblem[]): void {
    this.metrics.heldTables.reset();
    for (const problem of held) {
      this.metrics.heldTables.set({ table: problem.table, code: problem.code }, 1);
      this.metrics.failures.inc({ code: problem.code });
      this.deps.log.warn({ table: problem.table, code: problem.code, message: problem.message }, 'upload.table_held');
    }
  }

  private report(failed: UploadSession | null, held: readonly UploadTableProblem[]): CycleReport {
    const parts: string[] = [];
    const first = this.published[0];
    const last = this.published.at(-1);
    if (first !== undefined && last !== undefined) {
      const rows = this.published.reduce((sum, s) => sum + s.rows, 0);
      const sequences = first === last ? `seq ${first.sequence}` : `seq ${first.sequence}-${last.sequence}`;
      parts.push(`published ${this.published.length} package${this.published.length === 1 ? '' : 's'} (${sequences}, ${rows} rows)`);
    }
    if (failed !== null)
      parts.push(`upload sequence ${failed.sequence} failed (${failed.errorCode}), next try at ${failed.nextTryAt?.toISOString()}`);
    if (held.length > 0) parts.push(`held back: ${held.map((p) => `${p.table} (${p.code})`).join(', ')}`);
    const fields = { published: this.published.map((s) => s.sequence), failed: failed?.sequence ?? null, held: held.map((p) => p.table) };
    if (failed !== null || held.length > 0) return { outcome: 'failed', summary: parts.join('; '), fields };
    if (first !== undefined) return { outcome: 'done', summary: parts.join('; '), fields };
    this.metrics.idleRuns.inc();
    this.deps.log.debug({}, 'upload.idle');
    return { outcome: 'idle', summary: 'no new rows to upload', fields };
  }
}

/** Each table's counter range as an interval, `(41200, 41800]`; `(start, 161]` for a table's first upload. */
function rangeFields(session: UploadSession): Record<string, string> {
  return Object.fromEntries(
    session.ranges.map((r) => [r.table, `(${r.fromExclusive === NO_WATERMARK ? 'start' : r.fromExclusive}, ${r.toInclusive}]`]),
  );
}

function retryAfterLimit(error: unknown): { retryAfterSeconds?: number } {
  const seconds = retryAfterSeconds(error);
  return seconds === undefined ? {} : { retryAfterSeconds: seconds };
}
