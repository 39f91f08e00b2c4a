import type { ChannelDatabase } from '../channel/channel-database.js';
import type { BackgroundWork } from './background-work.js';

/** Applied packages told of per flush: one fsync for a backlog's many small commits. */
const REPORTS_PER_FLUSH = 64;

/**
 * HQ is told of an applied package (status report, move to `applied/`) only once its Applied
 * commit is flushed to disk: a report waits here until `REPORTS_PER_FLUSH` wait or the run's walk
 * ends, then the channel database flushes once and the reports go out in the background.
 */
export class ReportsAfterFlush {
  private waiting: (() => Promise<unknown>)[] = [];

  constructor(
    private readonly database: ChannelDatabase,
    private readonly background: BackgroundWork,
  ) {}

  async add(report: () => Promise<unknown>): Promise<void> {
    this.waiting.push(report);
    if (this.waiting.length >= REPORTS_PER_FLUSH) await this.flush();
  }

  /** Flushes, then starts the waiting reports; waits for every report in flight to finish. */
  async drain(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.background.drain();
    }
  }

  private async flush(): Promise<void> {
    if (this.waiting.length === 0) return;
    const reports = this.waiting;
    this.waiting = [];
    await this.database.flush();
    for (const report of reports) await this.background.add(report());
  }
}
