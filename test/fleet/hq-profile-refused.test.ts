import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { renderFleetHtml } from '../../src/fleet/fleet-html.js';
import { renderFleetText } from '../../src/fleet/fleet-text.js';
import { readFleet } from '../../src/fleet/fleet-view.js';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { heartbeatOf, plantStore } from './fleet-fixtures.js';

const NOW = new Date('2026-11-27T16:00:00.000Z');
const STANDARD = { name: 'standard', assignedBy: '*', adoptedAt: '2026-11-27T09:00:00.000Z', sha256: 'ab'.repeat(32) };
const CHECKED = { at: '2026-11-27T15:59:00.000Z', outcome: 'unchanged' } as const;

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
          running: { ...STANDARD, revision: 2 },
          lastCheck: { at: '2026-11-27T15:59:00.000Z', outcome: 'refused', code: 'E_HQ_PROFILE_SIGNATURE', problems: [problem] },
        },
      },
    });
    await plantStore(root, 'store-following', {
      heartbeat: {
        ...heartbeatOf('store-following', NOW),
        hqProfile: {
          running: { ...STANDARD, revision: 2 },
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

  it('shows which publication of HQ’s profile each store runs, and how many stores run each', async () => {
    const running = (revision: number | null, sha256 = STANDARD.sha256) => ({
      running: { ...STANDARD, revision, sha256 },
      lastCheck: CHECKED,
    });
    await plantStore(root, 'store-1', { heartbeat: { ...heartbeatOf('store-1', NOW), hqProfile: running(1764720000002) } });
    await plantStore(root, 'store-2', { heartbeat: { ...heartbeatOf('store-2', NOW), hqProfile: running(1764720000002) } });
    await plantStore(root, 'store-3', { heartbeat: { ...heartbeatOf('store-3', NOW), hqProfile: running(1764720000001) } });
    // A store that pins no key checks no revision: its text's digest tells the publications apart.
    await plantStore(root, 'store-4', {
      heartbeat: { ...heartbeatOf('store-4', NOW), hqProfile: running(0, `${'c0ffee'.repeat(10)}c0ff`) },
    });
    // A 1.1 client says which profile runs, not which publication.
    const old = {
      ...heartbeatOf('store-5', NOW),
      formatVersion: '1.1',
      hqProfile: { running: { name: 'standard', assignedBy: '*' }, lastCheck: CHECKED },
    };
    await plantStore(root, 'store-5', { heartbeat: JSON.stringify(old) });
    await plantStore(root, 'store-6', { heartbeat: { ...heartbeatOf('store-6', NOW), hqProfile: { running: null, lastCheck: CHECKED } } });

    const fleet = await readFleet(new LocalWorkingFolder(root), { now: NOW, concurrency: 3 });
    expect(fleet.stores.map((store) => [store.channel, store.hqProfile?.publication])).toEqual([
      ['store-1', 'revision 1764720000002'],
      ['store-2', 'revision 1764720000002'],
      ['store-3', 'revision 1764720000001'],
      ['store-4', 'sha256 c0ffeec0ffee'],
      ['store-5', null],
      ['store-6', undefined],
    ]);
    expect(fleet.hqProfiles).toEqual([
      { name: 'standard', publication: 'revision 1764720000002', stores: 2 },
      { name: 'standard', publication: 'revision 1764720000001', stores: 1 },
      { name: 'standard', publication: 'sha256 c0ffeec0ffee', stores: 1 },
      { name: 'standard', publication: null, stores: 1 },
    ]);
    const text = renderFleetText(fleet);
    expect(text).toMatch(/^ok +store-3 .+ standard revision 1764720000001$/m);
    expect(text).toMatch(/^ok +store-6 .+ -$/m);
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'HQ profiles: standard revision 1764720000002 on 2 stores, standard revision 1764720000001 on 1, standard sha256 c0ffeec0ffee on 1, standard on 1',
    );
    const html = renderFleetHtml(fleet);
    expect(html).toContain('<p id="hq-profiles">HQ profiles: standard revision 1764720000002 on 2 stores,');
    expect(html).toMatch(/<tr data-store="store-4"[^\n]*<td>standard sha256 c0ffeec0ffee<\/td>/);
  });
});
