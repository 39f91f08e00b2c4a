import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { useTempStore } from '../support/store-fixture.js';
import { BACKLOG_ENGINES, type BacklogDatabase } from './backlog-databases.js';
import { Backlog, CHANNEL } from './download-backlog.js';

describe.each(BACKLOG_ENGINES)('immediate pick-up through the daemon on $name', (engine) => {
  const fixture = useTempStore();
  let database: BacklogDatabase;
  afterEach(async () => {
    await database.cleanup();
  });

  it('a package HQ drops starts a download cycle at once, long before the timer would', async () => {
    const { store } = fixture;
    // The timer fires once a year: only the pick-up can explain an apply within the test.
    await store.writeProfile({ download: '0 0 0 1 1 *' });
    database = await engine.database(store);
    await database.prepare();
    const downloadArea = path.join(store.workingFolder, CHANNEL, 'download');
    await mkdir(downloadArea, { recursive: true });
    const backlog = new Backlog(7, 20);
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    await daemon.waitFor('daemon.ready');

    await backlog.publish(downloadArea, 1);

    expect(await daemon.waitFor('download.picked_up')).toMatchObject({ packages: [expect.stringContaining('_download_000000000001')] });
    expect(await daemon.waitFor('download.applied')).toMatchObject({ sequence: 1 });
    expect((await database.sessions()).map((s) => [s.sequence, s.status])).toEqual([[1, 'Applied']]);
  });
});
