import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFleet } from '../../src/fleet/fleet-view.js';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { heartbeatOf, plantStore } from './fleet-fixtures.js';

const NOW = new Date('2026-11-27T16:00:00.000Z');

describe('the fleet view and the profiles HQ publishes', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'fleet-hq-profile-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('shows a store that refuses the profile HQ published as needing someone, with the reason', async () => {
    const problem = "profiles/pilot.yaml.sig does not verify profiles/pilot.yaml with HQ's key (download.publicKey)";
    await plantStore(root, 'store-refusing', {
      heartbeat: {
        ...heartbeatOf('store-refusing', NOW),
        hqProfile: {
          running: { name: 'standard', assignedBy: '*', adoptedAt: '2026-11-27T09:00:00.000Z' },
          lastCheck: { at: '2026-11-27T15:59:00.000Z', outcome: 'refused', code: 'E_HQ_PROFILE_SIGNATURE', problems: [problem] },
        },
      },
    });
    await plantStore(root, 'store-following', {
      heartbeat: {
        ...heartbeatOf('store-following', NOW),
        hqProfile: {
          running: { name: 'standard', assignedBy: '*', adoptedAt: '2026-11-27T09:00:00.000Z' },
          lastCheck: { at: '2026-11-27T15:59:00.000Z', outcome: 'unchanged' },
        },
      },
    });
    const fleet = await readFleet(new LocalWorkingFolder(root), { now: NOW, concurrency: 2 });
    expect(fleet.stores.map((store) => [store.channel, store.state, store.notes])).toEqual([
      ['store-refusing', 'failing', [`HQ profile refused (E_HQ_PROFILE_SIGNATURE): ${problem}`]],
      ['store-following', 'ok', []],
    ]);
    expect(fleet.attention).toBe(1);
  });
});
