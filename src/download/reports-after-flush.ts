import type { ChannelDatabase } from '../channel/channel-database.js';
import type { BackgroundWork } from './background-work.js';
import type { FinishedPackage } from './hq-report.js';

/** Applied packages told of per flush: one fsync for a backlog's many small commits. */
const REPORTS_PER_FLUSH = 64;

/**
 * HQ is told of an applied package (status report, move to `applied/`) only once its Applied
 * commit is flushed to disk: a package waits here until `REPORTS_PER_FLUSH` wait or the run's
 * walk ends; then the channel database flushes once, and the group is told of together in the
 * background (`tell`), while the next packages are applied.
 */
export class ReportsAfterFlush {
  private waiting: FinishedPackage[] = [];

  constructor(
    private readonly database: ChannelDatabase,
    private readonly background: BackgroundWork,
    /** Tells HQ of a group of flushed packages; must not reject. */
    private readonly tell: (group: readonly FinishedPackage[]) => Promise<unknown>,
  ) {}

  async add(applied: FinishedPackage): Promise<void> {
    this.waiting.push(applied);
    if (this.waiting.length >= REPORTS_PER_FLUSH) await this.flush();
  }

  /** Flushes, then starts telling of the waiting group; waits for every group in flight to be told of. */
  async drain(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.background.drain();
    }
  }

  private async flush(): Promise<void> {
    if (this.waiting.length === 0) return;
    const group = this.waiting;
    this.waiting = [];
    await this.database.flush();
    await this.background.add(this.tell(group));
  }
}
