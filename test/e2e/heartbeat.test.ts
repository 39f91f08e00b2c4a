import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Backlog, CHANNEL, seedStore } from './download-backlog.js';
import { HEARTBEAT_VERSION, type Heartbeat } from '../../src/fleet/heartbeat.js';
import { useTempStore } from '../support/store-fixture.js';

describe('the daemon heartbeat', () => {
  const fixture = useTempStore();

  it('is written into <channel>/heartbeat.json after a cycle, with what the store applied and when it runs next', async () => {
    const { store } = fixture;
    await store.writeProfile();
    await seedStore(store, new Backlog(5, 10), 2);

    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    await daemon.waitFor('download.applied', (line) => line.sequence === 2);
    const written = await daemon.waitFor('heartbeat.written', (line) => line.appliedThrough === 2);
    expect(written.path).toBe(`${CHANNEL}/heartbeat.json`);

    const heartbeat = JSON.parse(await readFile(path.join(store.workingFolder, CHANNEL, 'heartbeat.json'), 'utf8')) as Heartbeat;
    expect(heartbeat).toMatchObject({
      format: 'async-client-heartbeat',
      formatVersion: HEARTBEAT_VERSION,
      channelId: CHANNEL,
      profile: { name: 'Test store', downloadIntervalMinutes: 15, uploadIntervalMinutes: 15 },
      download: { schedule: 'on "*/1 * * * * *"', appliedThrough: 2, waitingCount: 0, waiting: [] },
      upload: { schedule: 'on "0 0 0 1 1 *"', last: null, lastSequence: null, failed: 0 },
    });
    expect(heartbeat.clientVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(heartbeat.download.last?.outcome).toBe('done');
    expect(typeof heartbeat.download.nextRun).toBe('string');
    // At most once a minute: three more cycles (one a second) write nothing more.
    for (let more = 0; more < 3; more++) await daemon.waitFor('cycle.finished', () => true, { after: daemon.events.length });
    expect(daemon.named('heartbeat.written')).toHaveLength(1);
  });
});
