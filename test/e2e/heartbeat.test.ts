import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FleetView } from '../../src/fleet/fleet-view.js';
import { Backlog, CHANNEL, seedStore } from './download-backlog.js';
import { HEARTBEAT_VERSION, type Heartbeat } from '../../src/fleet/heartbeat.js';
import { plantStore } from '../fleet/fleet-fixtures.js';
import { CLI_PATH } from '../support/daemon-process.js';
import { launchHeadlessChromium } from '../support/headless-chromium.js';
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

describe('fleet status', () => {
  const fixture = useTempStore();

  it('reads the heartbeat the spawned daemon wrote, and shows the same in an HTML page that Chromium renders', async () => {
    const { store } = fixture;
    await store.writeProfile();
    await seedStore(store, new Backlog(5, 10), 2);
    await plantStore(store.workingFolder, 'store-0099', { waiting: [1] });
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    await daemon.waitFor('heartbeat.written', (line) => line.appliedThrough === 2);

    const json = spawnSync(process.execPath, [CLI_PATH, 'fleet', 'status', '--working-folder', store.workingFolder, '--json'], {
      encoding: 'utf8',
    });
    expect(json.stderr).toBe('');
    expect(json.status).toBe(1);
    const fleet = JSON.parse(json.stdout) as FleetView;
    expect(fleet.stores.map((s) => [s.channel, s.state])).toEqual([
      ['store-0099', 'never-seen'],
      [CHANNEL, 'ok'],
    ]);
    expect(fleet.stores[1]).toMatchObject({ appliedThrough: 2, behind: 0, profile: 'Test store', needsAttention: false });

    const html = path.join(store.root, 'fleet.html');
    const text = spawnSync(process.execPath, [CLI_PATH, 'fleet', 'status', '--working-folder', store.workingFolder, '--html', html], {
      encoding: 'utf8',
    });
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/^never-seen +store-0099 +never/m);
    expect(text.stdout).toMatch(new RegExp(`^ok +${CHANNEL} +\\d+s ago +2 of 2 +0`, 'm'));
    expect(text.stdout).toContain('2 stores: 1 never-seen, 1 ok; 1 needs someone');

    const chromium = await launchHeadlessChromium({ javaScriptEnabled: false });
    let table: unknown;
    try {
      const page = await chromium.context.newPage();
      await page.goto(pathToFileURL(html).href);
      table = await page.$$eval('#fleet tbody tr', (rows) =>
        rows.map((row) => ({
          state: row.getAttribute('data-state'),
          cells: [...row.querySelectorAll('td')].map((cell) => cell.textContent),
        })),
      );
    } finally {
      await chromium.close();
    }
    expect(table).toEqual([
      {
        state: 'never-seen',
        cells: [
          'never-seen',
          'store-0099',
          'never',
          '-',
          '-',
          '-',
          '-',
          'never seen: no heartbeat.json yet1 packages waiting in download/',
        ],
      },
      { state: 'ok', cells: ['ok', CHANNEL, expect.stringMatching(/ ago$/), '2 of 2', '0', '-', '-', ''] },
    ]);
  });
});
