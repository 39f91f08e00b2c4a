import { setTimeout as sleep } from 'node:timers/promises';
import { Backlog, readDatabase, seedStore } from './download-backlog.js';
import { useTempStore } from '../support/store-fixture.js';

/**
 * Waits until the daemon has marked a package Downloaded (staged and verified: its apply
 * starts next) and returns its sequence.
 */
async function downloadedSession(databasePath: string): Promise<number> {
  for (;;) {
    const sessions = journalSessions(databasePath);
    const downloaded = sessions.find((session) => session.status === 'Downloaded');
    if (downloaded !== undefined) return downloaded.sequence;
    await sleep(10);
  }
}

/** The journal's sessions; none before the daemon has created the journal. */
function journalSessions(databasePath: string): ReturnType<typeof readDatabase>['sessions'] {
  try {
    return readDatabase(databasePath).sessions;
  } catch (error) {
    if (/no such table/.test(String(error))) return [];
    throw error;
  }
}

describe('SIGTERM while a cycle is applying a package', () => {
  const fixture = useTempStore();

  it('lets the cycle finish the package in hand, starts no other, and exits 0', async () => {
    const { store } = fixture;
    await store.writeProfile();
    await seedStore(store, new Backlog(7, 150_000), 2);

    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    const inHand = await downloadedSession(store.databasePath);
    daemon.signal('SIGTERM');

    expect(await daemon.exit()).toEqual({ code: 0, signal: null });
    const stopping = daemon.named('daemon.stopping');
    expect(stopping).toEqual([expect.objectContaining({ signal: 'SIGTERM', inFlight: ['download'] })]);
    const order = daemon.events
      .map((line) => line.event)
      .filter((event) => ['daemon.stopping', 'cycle.finished', 'daemon.stopped'].includes(event));
    expect(order).toEqual(['daemon.stopping', 'cycle.finished', 'daemon.stopped']);
    expect(daemon.named('daemon.stopped')).toEqual([expect.objectContaining({ clean: true })]);

    const { sessions } = readDatabase(store.databasePath);
    const applied = sessions.filter((session) => session.status === 'Applied').map((session) => session.sequence);
    expect(applied).toEqual(Array.from({ length: inHand }, (_, index) => index + 1));
    expect(sessions.filter((session) => session.status !== 'Applied').every((session) => session.sequence > inHand)).toBe(true);
  });
});
