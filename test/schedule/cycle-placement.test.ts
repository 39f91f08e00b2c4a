import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/observe/logger.js';
import { DaemonMetrics } from '../../src/observe/metrics.js';
import type { Profile } from '../../src/profile/profile.js';
import { systemClock } from '../../src/schedule/clock.js';
import { CyclePlacement, fleetRank } from '../../src/schedule/cycle-placement.js';
import { CycleScheduler } from '../../src/schedule/cycle-scheduler.js';
import { storeOffsetsMs } from '../../src/schedule/store-offsets.js';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { SAMPLE_PROFILE } from '../profile/profile-files.js';
import { FaultyWorkingFolder } from '../support/faulty-working-folder.js';
import { loggerToLines } from '../support/log-lines.js';

const EVERY_MINUTE = { kind: 'interval', minutes: 1 } as const;
const PROFILE: Profile = {
  ...SAMPLE_PROFILE,
  profile: { ...SAMPLE_PROFILE.profile, downloadIntervalMinutes: 1, uploadIntervalMinutes: 1 },
  channel: { ...SAMPLE_PROFILE.channel, id: 'store-0003' },
};
const idle = (direction: 'download' | 'upload') => ({ direction, run: async () => ({ outcome: 'idle' as const, summary: '' }) });

describe('CyclePlacement', () => {
  let root: string;
  let scheduler: CycleScheduler;
  let placement: CyclePlacement | undefined;
  let lines: string[];

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'async-client-placement-'));
    lines = [];
    scheduler = new CycleScheduler({
      log: createLogger('silent'),
      metrics: new DaemonMetrics(),
      clock: systemClock,
      onResult: () => undefined,
    });
  });

  afterEach(async () => {
    placement?.stop();
    await scheduler.stop(0);
    await rm(root, { recursive: true, force: true });
  });

  function start(folder: LocalWorkingFolder | FaultyWorkingFolder): CyclePlacement {
    const recorded = loggerToLines();
    lines = recorded.lines;
    placement = new CyclePlacement({
      workingFolder: folder,
      profile: () => PROFILE,
      log: recorded.log,
      clock: systemClock,
      scheduler,
      cycles: [idle('download'), idle('upload')],
    });
    return placement;
  }

  /** Where in its minute each cycle will next run, in seconds. */
  const places = () => ({ download: scheduler.nextRun('download')?.getUTCSeconds(), upload: scheduler.nextRun('upload')?.getUTCSeconds() });

  it('takes the store’s even share of the interval by its rank among the channel folders of the root', async () => {
    // Ten stores, HQ's profiles/ and a folder no channel could be named: only the ten count.
    for (const name of ['profiles', 'not a channel', ...Array.from({ length: 10 }, (_, i) => `store-000${i}`)]) {
      await mkdir(path.join(root, name));
    }
    const placed = start(new LocalWorkingFolder(root));
    await placed.refresh();
    expect(placed.rank()).toEqual({ rank: 3, of: 10 });
    // Download at 3/10 of the minute; upload half a minute and half a step on: (3 + 5 + 0.5)/10.
    expect(places()).toEqual({ download: 18, upload: 51 });
    expect(lines.some((line) => line.includes('"schedule.placed"'))).toBe(true);
  });

  it('keeps the hashed place while the root cannot be listed, and moves once it can', async () => {
    for (const name of ['store-0001', 'store-0002', 'store-0003', 'store-0004']) await mkdir(path.join(root, name));
    const folder = new FaultyWorkingFolder(new LocalWorkingFolder(root));
    folder.failNext('listFolders', 'E_FOLDER_UNREACHABLE');
    const placed = start(folder);
    await placed.refresh();
    const hashed = storeOffsetsMs('store-0003', { download: EVERY_MINUTE, upload: EVERY_MINUTE }, 0);
    expect(placed.rank()).toBeUndefined();
    expect(places()).toEqual({ download: hashed.download / 1000, upload: hashed.upload / 1000 });
    expect(lines.some((line) => line.includes('"schedule.fleet_unlisted"') && line.includes('E_FOLDER_UNREACHABLE'))).toBe(true);

    await placed.refresh();
    expect(placed.rank()).toEqual({ rank: 2, of: 4 });
    expect(places()).toEqual({ download: 30, upload: 7 });
    // A day has not passed: the next look asks nothing of the folder.
    await placed.refresh();
    expect(folder.calls('listFolders')).toBe(2);
  });
});

describe('fleetRank', () => {
  it('counts the store itself when its folder is not there yet, and sorts alike on every store', () => {
    expect(fleetRank('store-b', ['store-c', 'store-a'])).toEqual({ rank: 1, of: 3 });
    expect(fleetRank('store-b', ['store-a', 'store-b', 'store-c'])).toEqual({ rank: 1, of: 3 });
    expect(fleetRank('B', ['a', 'C'])).toEqual({ rank: 0, of: 3 });
  });
});
