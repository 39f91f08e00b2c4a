import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import { openSqliteChannelDatabase } from '../../src/channel/sqlite-channel-database.js';
import { JournalRetention } from '../../src/daemon/journal-retention.js';
import { createLogger } from '../../src/observe/logger.js';
import type { Profile } from '../../src/profile/profile.js';
import { manifest, seen, stream, table, upserts } from '../channel/fixtures.js';
import { SAMPLE_PROFILE } from '../profile/profile-files.js';
import { TestClock } from '../support/test-clock.js';

const ITEM = table('item', [['id', 'integer', false]], ['id']);

let root: string;
let db: ChannelDatabase;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'async-client-retention-'));
  db = await openSqliteChannelDatabase(path.join(root, 'channel.sqlite'), { channelId: 'store-1' });
  await db.migrate();
});
afterEach(async () => {
  await db.close();
  await rm(root, { recursive: true, force: true });
});

async function applyAll(count: number): Promise<void> {
  for (let sequence = 1; sequence <= count; sequence += 1) {
    const session = await seen(db, sequence);
    await db.applyPackage(manifest(sequence, 'full', [ITEM]), stream(upserts(ITEM, [[sequence]])), {
      sessionId: session.id,
      allowCreateTables: true,
    });
  }
}

function retention(days: number, clock: TestClock, options: { batchSize?: number; maxBatches?: number } = {}) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('info', { write: (text: string) => void lines.push(JSON.parse(text) as Record<string, unknown>) });
  const profile: Profile = { ...SAMPLE_PROFILE, daemon: { ...SAMPLE_PROFILE.daemon, journalRetentionDays: days } };
  const registry = new Registry();
  return {
    retention: new JournalRetention({ channelDatabase: db, profile: () => profile, log, registry, clock, ...options }),
    lines,
    registry,
  };
}

describe('JournalRetention', () => {
  it('keeps sessions younger than the retention; removes older finished ones in small batches, never the newest Applied nor a pending one', async () => {
    await applyAll(6);
    await seen(db, 7);
    const clock = new TestClock();
    expect(await retention(90, clock).retention.run()).toEqual({ download: 0, upload: 0 });

    clock.advanceSeconds(91 * 24 * 3600);
    const batches: number[] = [];
    const prune = db.downloads.prune.bind(db.downloads);
    db.downloads.prune = async (olderThan, limit) => {
      const removed = await prune(olderThan, limit);
      batches.push(removed);
      return removed;
    };
    const { retention: run, lines, registry } = retention(90, clock, { batchSize: 2, maxBatches: 2 });
    expect(await run.run()).toEqual({ download: 4, upload: 0 });
    expect(batches).toEqual([2, 2]);
    expect(lines).toEqual([expect.objectContaining({ event: 'journal.pruned', download: 4, upload: 0, retentionDays: 90 })]);
    expect((await registry.getSingleMetric('async_client_journal_pruned_total')?.get())?.values).toEqual(
      expect.arrayContaining([expect.objectContaining({ labels: { direction: 'download' }, value: 4 })]),
    );
    // The next run goes on where the batch limit stopped it.
    expect(await run.run()).toEqual({ download: 1, upload: 0 });
    expect((await db.downloads.list()).map((s) => [s.sequence, s.status])).toEqual([
      [7, 'Available'],
      [6, 'Applied'],
    ]);
    expect(await db.downloads.highestApplied()).toBe(6);
  });

  it('retention 0 keeps everything', async () => {
    await applyAll(3);
    const clock = new TestClock();
    clock.advanceSeconds(10 * 365 * 24 * 3600);
    expect(await retention(0, clock).retention.run()).toEqual({ download: 0, upload: 0 });
    expect(await db.downloads.list()).toHaveLength(3);
  });
});
