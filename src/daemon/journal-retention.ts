import { setImmediate as nextTurn } from 'node:timers/promises';
import { Counter, type Registry } from 'prom-client';
import type { ChannelDatabase } from '../channel/channel-database.js';
import { errorCode, errorMessage } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import type { Profile } from '../profile/profile.js';
import type { Clock } from '../schedule/clock.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface JournalRetentionDeps {
  readonly channelDatabase: ChannelDatabase;
  readonly profile: () => Profile;
  readonly log: Logger;
  readonly registry: Registry;
  readonly clock: Clock;
  /** Sessions removed per transaction: small, so that the POS and the cycles never wait long. */
  readonly batchSize?: number;
  /** Batches per run at most; the next run goes on where this one stopped. */
  readonly maxBatches?: number;
}

/**
 * Keeps the session journal from growing forever: finished sessions (Applied, Canceled,
 * Uploaded) whose last change is older than `daemon.journalRetentionDays` are removed in
 * small batches, one short transaction each, the event loop let go between two. The ports
 * never remove a pending session nor the newest of a direction. A failure is logged, never
 * thrown: the next run tries again.
 */
export class JournalRetention {
  private readonly pruned: Counter<'direction'>;

  constructor(private readonly deps: JournalRetentionDeps) {
    this.pruned = new Counter({
      name: 'async_client_journal_pruned_total',
      help: 'Finished sessions removed from the journal by retention, by direction.',
      labelNames: ['direction'] as const,
      registers: [deps.registry],
    });
  }

  /** Prunes once; resolves with the sessions removed per direction. */
  async run(): Promise<{ download: number; upload: number }> {
    const { channelDatabase, profile, log, clock } = this.deps;
    const days = profile().daemon.journalRetentionDays;
    const removed = { download: 0, upload: 0 };
    if (days === 0) return removed;
    const olderThan = new Date(clock.now().getTime() - days * DAY_MS);
    const journals = { download: channelDatabase.downloads, upload: channelDatabase.uploads } as const;
    for (const direction of ['download', 'upload'] as const) {
      try {
        removed[direction] = await this.prune((limit) => journals[direction].prune(olderThan, limit));
        this.pruned.inc({ direction }, removed[direction]);
      } catch (error) {
        log.warn({ direction, code: errorCode(error), message: errorMessage(error) }, 'journal.prune_failed');
      }
    }
    if (removed.download + removed.upload > 0) log.info({ ...removed, olderThan, retentionDays: days }, 'journal.pruned');
    return removed;
  }

  private async prune(batch: (limit: number) => Promise<number>): Promise<number> {
    const { batchSize = 200, maxBatches = 50 } = this.deps;
    let total = 0;
    for (let round = 0; round < maxBatches; round += 1) {
      const removed = await batch(batchSize);
      total += removed;
      if (removed < batchSize) break;
      await nextTurn();
    }
    return total;
  }
}
