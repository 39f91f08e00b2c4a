import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFleet } from '../../src/fleet/fleet-view.js';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { WebDavWorkingFolder } from '../../src/workfolder/webdav.js';
import type { WorkingFolder } from '../../src/workfolder/working-folder.js';
import { webDavTestFolder } from '../support/webdav-server.js';
import { heartbeatOf, plantStore } from './fleet-fixtures.js';

const NOW = new Date('2026-11-27T16:00:00.000Z');

/** A fleet with one store in every condition, planted on disk under `root`. */
async function plantFleet(root: string): Promise<void> {
  await plantStore(root, 'store-ok', { heartbeat: heartbeatOf('store-ok', NOW, { appliedThrough: 9 }), waiting: [] });
  await plantStore(root, 'store-behind', { heartbeat: heartbeatOf('store-behind', NOW, { appliedThrough: 4 }), waiting: [5, 6, 7] });
  await plantStore(root, 'store-silent', { heartbeat: heartbeatOf('store-silent', NOW, { ageMinutes: 6 * 60 }) });
  await plantStore(root, 'store-suspended', {
    heartbeat: heartbeatOf('store-suspended', NOW, {
      appliedThrough: 7,
      waiting: [{ sequence: 8, status: 'Suspended', tries: 5, message: 'table "price" has no column "currency"' }],
    }),
    waiting: [8, 9],
  });
  await plantStore(root, 'store-failing', { heartbeat: heartbeatOf('store-failing', NOW, { uploadFailed: 2 }) });
  await plantStore(root, 'store-new', { waiting: [1] });
  await plantStore(root, 'store-new-stuck', { waiting: [1, 2], reports: { 1: { status: 'Suspended', message: 'not a package' } } });
  await plantStore(root, 'store-truncated', { heartbeat: JSON.stringify(heartbeatOf('store-truncated', NOW)).slice(0, 80) });
  await plantStore(root, 'store-garbage', { heartbeat: 'hello' });
  await plantStore(root, 'store-future', { heartbeat: { ...heartbeatOf('store-future', NOW), formatVersion: '2.0' } });
  // HQ's own folder is not a store.
  await mkdir(path.join(root, 'profiles'), { recursive: true });
}

function describeFleetReader(
  adapter: string,
  open: () => Promise<{ root: string; folder: WorkingFolder; cleanup: () => Promise<void> }>,
): void {
  describe(`fleet view over ${adapter}`, () => {
    let subject: Awaited<ReturnType<typeof open>>;
    beforeEach(async () => {
      subject = await open();
    });
    afterEach(async () => {
      await subject.folder.close();
      await subject.cleanup();
    });

    it('shows every store worst first, each bad heartbeat as that store’s problem, and counts who needs someone', async () => {
      await plantFleet(subject.root);
      const fleet = await readFleet(subject.folder, { now: NOW, concurrency: 4 });
      const byChannel = new Map(fleet.stores.map((store) => [store.channel, store]));

      expect(fleet.stores.map((store) => [store.channel, store.state])).toEqual([
        ['store-suspended', 'suspended'],
        ['store-new-stuck', 'suspended'],
        ['store-future', 'unreadable'],
        ['store-garbage', 'unreadable'],
        ['store-truncated', 'unreadable'],
        ['store-silent', 'silent'],
        ['store-failing', 'failing'],
        ['store-new', 'never-seen'],
        ['store-behind', 'behind'],
        ['store-ok', 'ok'],
      ]);
      expect(fleet.attention).toBe(8);
      expect(byChannel.get('store-suspended')).toMatchObject({
        appliedThrough: 7,
        newestDropped: 9,
        behind: 2,
        suspended: [{ sequence: 8, message: 'table "price" has no column "currency"' }],
      });
      expect(byChannel.get('store-new-stuck')?.notes).toEqual([
        'never seen: no heartbeat.json yet',
        'sequence 1 Suspended: not a package',
        '2 packages waiting in download/',
      ]);
      expect(byChannel.get('store-behind')).toMatchObject({ appliedThrough: 4, newestDropped: 7, behind: 3, needsAttention: false });
      expect(byChannel.get('store-silent')?.notes[0]).toMatch(/^silent for 6h 0m/);
      expect(byChannel.get('store-truncated')?.notes[0]).toMatch(/E_HEARTBEAT_CORRUPT|not JSON/);
      expect(byChannel.get('store-future')?.notes[0]).toMatch(/heartbeat format 2\.0 is newer than this async-client reads/);
      expect(byChannel.get('store-ok')).toMatchObject({ state: 'ok', behind: 0, lastUpload: { sequence: 3, status: 'Uploaded' } });
      expect(byChannel.has('profiles')).toBe(false);
    });

    it('shows a heartbeat larger than any report as the store’s problem, read no further than the limit', async () => {
      await plantStore(subject.root, 'store-ok', { heartbeat: heartbeatOf('store-ok', NOW) });
      await plantStore(subject.root, 'store-huge', {
        heartbeat: `${JSON.stringify(heartbeatOf('store-huge', NOW))}${' '.repeat(1024 * 1024)}`,
      });
      const fleet = await readFleet(subject.folder, { now: NOW, concurrency: 4 });
      expect(fleet.stores.map((store) => [store.channel, store.state])).toEqual([
        ['store-huge', 'unreadable'],
        ['store-ok', 'ok'],
      ]);
      expect(fleet.stores[0]?.notes[0]).toMatch(/heartbeat unreadable: .*heartbeat\.json: larger than 1048576 bytes/);
    });
  });
}

describeFleetReader('a local folder', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'fleet-view-'));
  return { root, folder: new LocalWorkingFolder(root), cleanup: () => rm(root, { recursive: true, force: true }) };
});

describeFleetReader('WebDAV (rclone)', async () => {
  const test = await webDavTestFolder();
  const folder = new WebDavWorkingFolder({ url: test.url, username: test.username, password: test.password, timeoutSeconds: 10 });
  return { root: test.localPath, folder, cleanup: () => test.cleanup() };
});
