import path from 'node:path';
import { Backlog, CHANNEL, seedStore } from './download-backlog.js';
import { useTempStore } from '../support/store-fixture.js';

describe('immediate pick-up through the daemon', () => {
  const fixture = useTempStore();

  it('a package HQ drops starts a download cycle at once, long before the timer would', async () => {
    const { store } = fixture;
    // The timer fires once a year: only the pick-up can explain an apply within the test.
    await store.writeProfile({ download: '0 0 0 1 1 *' });
    const backlog = new Backlog(7, 20);
    await seedStore(store, backlog, 0);
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    await daemon.waitFor('daemon.ready');

    await backlog.publish(path.join(store.workingFolder, CHANNEL, 'download'), 1);

    expect(await daemon.waitFor('download.picked_up')).toMatchObject({ packages: [expect.stringContaining('_download_000000000001')] });
    expect(await daemon.waitFor('download.applied')).toMatchObject({ sequence: 1 });
  });
});
