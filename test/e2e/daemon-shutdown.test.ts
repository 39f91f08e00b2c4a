import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { useTempStore } from '../support/store-fixture.js';
import { BACKLOG_ENGINES, type BacklogDatabase } from './backlog-databases.js';
import { Backlog, CHANNEL } from './download-backlog.js';

/**
 * Waits until the daemon has marked a package Downloaded (staged and verified: its apply
 * starts next) and returns its sequence.
 */
async function downloadedSession(database: BacklogDatabase): Promise<number> {
  for (;;) {
    const downloaded = (await database.sessions()).find((session) => session.status === 'Downloaded');
    if (downloaded !== undefined) return downloaded.sequence;
    await sleep(10);
  }
}

describe.each(BACKLOG_ENGINES)('SIGTERM while a cycle is applying a package, on $name', (engine) => {
  const fixture = useTempStore();
  let database: BacklogDatabase;
  afterEach(async () => {
    await database.cleanup();
  });

  it('lets the cycle finish the package in hand, starts no other, and exits 0', async () => {
    const { store } = fixture;
    await store.writeProfile();
    database = await engine.database(store);
    await database.prepare();
    const backlog = new Backlog(7, engine.packageRows(150_000));
    /** The `item` table once packages 1..n are applied, by n. */
    const tableAfter: string[][] = [[]];
    for (let sequence = 1; sequence <= 2; sequence += 1) {
      await backlog.publish(path.join(store.workingFolder, CHANNEL, 'download'), sequence);
      tableAfter.push(backlog.expectedRowDigests());
    }

    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    const inHand = await downloadedSession(database);
    daemon.signal('SIGTERM');

    expect(await daemon.exit()).toEqual({ code: 0, signal: null });
    const stopping = daemon.named('daemon.stopping');
    expect(stopping).toEqual([expect.objectContaining({ signal: 'SIGTERM', inFlight: ['download'] })]);
    const order = daemon.events
      .map((line) => line.event)
      .filter((event) => ['daemon.stopping', 'cycle.finished', 'daemon.stopped'].includes(event));
    expect(order).toEqual(['daemon.stopping', 'cycle.finished', 'daemon.stopped']);
    expect(daemon.named('daemon.stopped')).toEqual([expect.objectContaining({ clean: true })]);

    const { sessions, rowDigests } = await database.read();
    const applied = sessions.filter((session) => session.status === 'Applied').map((session) => session.sequence);
    expect(applied).toEqual(Array.from({ length: inHand }, (_, index) => index + 1));
    expect(sessions.filter((session) => session.status !== 'Applied').every((session) => session.sequence > inHand)).toBe(true);
    // The package in hand is whole in the table: its rows and none of the next one's.
    expect(rowDigests).toEqual(tableAfter[inHand]);
  });
});
