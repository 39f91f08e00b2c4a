import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CLI_PATH, type CliProcess, type LogEvent } from '../support/daemon-process.js';
import { WEBDAV_PASSWORD_ENV } from '../../src/cli/working-folder-option.js';
import { HqDesk, publishedProfileText } from '../support/hq-desk.js';
import { useTempStore } from '../support/store-fixture.js';
import { webDavTestFolder, type WebDavTestFolder } from '../support/webdav-server.js';

const reloadedByHq = (line: LogEvent): boolean => line.trigger === 'hq';

describe('the daemon adopts the profile HQ publishes, over a local working folder', () => {
  const fixture = useTempStore();

  async function startStore(): Promise<{ desk: HqDesk; daemon: CliProcess }> {
    const { store } = fixture;
    const desk = await HqDesk.create(store.root, store.workingFolder);
    await store.writeProfile({ healthPort: 0, extra: desk.pinnedKey });
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    await daemon.waitFor('daemon.ready');
    return { desk, daemon };
  }

  it('adopts a newly published profile without a restart and reschedules, then a new version of it', async () => {
    const { desk, daemon } = await startStore();
    await desk.publishAndAssign('pilot', publishedProfileText());

    const adopted = await daemon.waitFor('hq_profile.adopted');
    expect(adopted).toMatchObject({ profile: 'pilot', assignedBy: 'store-*', signed: true });
    const reloaded = await daemon.waitFor('profile.reloaded', reloadedByHq);
    expect(reloaded).toMatchObject({
      hqProfile: 'pilot',
      rescheduled: ['download'],
      schedules: { download: { schedule: 'on "*/2 * * * * *"' } },
    });
    expect(reloaded.changes).toEqual(
      expect.arrayContaining([
        { field: 'profile.name', previous: 'Test store', next: 'Pilot stores' },
        { field: 'schedule.download', previous: '*/1 * * * * *', next: '*/2 * * * * *' },
      ]),
    );

    const after = daemon.events.length;
    expect((await desk.publish('pilot', publishedProfileText({ extra: 'download:\n  tryLimit: 9\n' }))).code).toBe(0);
    const second = await daemon.waitFor('profile.reloaded', reloadedByHq, { after });
    expect(second).toMatchObject({ changes: [{ field: 'download.tryLimit', previous: 3, next: 9 }], rescheduled: [] });

    // The same text published again under a newer revision is adopted again, so the fleet sees the newest revision run; nothing to reload.
    const republished = daemon.events.length;
    expect((await desk.publish('pilot', publishedProfileText({ extra: 'download:\n  tryLimit: 9\n' }))).code).toBe(0);
    await daemon.waitFor('hq_profile.adopted', () => true, { after: republished });
    expect(await daemon.waitFor('profile.unchanged', reloadedByHq, { after: republished })).toMatchObject({ hqProfile: 'pilot' });

    // HQ assigns the store nothing any more: it goes back to its own file.
    const unassigned = daemon.events.length;
    await desk.placeSigned('profiles/assignments.yaml', 'assignments:\n  store-1*: pilot\n');
    expect(await daemon.waitFor('hq_profile.unassigned', () => true, { after: unassigned })).toMatchObject({
      previous: 'pilot',
      reason: 'no entry of profiles/assignments.yaml matches channel store-0042',
    });
    const back = await daemon.waitFor('profile.reloaded', reloadedByHq, { after: unassigned });
    expect(back).toMatchObject({ hqProfile: null, rescheduled: ['download'], schedules: { download: { schedule: 'on "*/1 * * * * *"' } } });
    expect(daemon.child.exitCode).toBeNull();
  });

  it('validate --effective shows each field of what the store runs with its source: default, local, HQ:NAME, override', async () => {
    const { store } = fixture;
    const desk = await HqDesk.create(store.root, store.workingFolder);
    await store.writeProfile({
      extra: `${desk.pinnedKey}  retryBackoffSeconds: 5\n  tryLimit: 2\nstoreOverrides:\n  - download.tryLimit\n`,
    });
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    await daemon.waitFor('daemon.ready');
    await desk.publishAndAssign('pilot', publishedProfileText({ extra: 'download:\n  tryLimit: 9\n  gapReportMinutes: 30\n' }));
    await daemon.waitFor('profile.reloaded', reloadedByHq);

    const result = spawnSync(process.execPath, [CLI_PATH, 'validate', '--effective', store.profilePath], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(
      `${store.profilePath}: profile "Pilot stores", channel store-0042, download on "*/2 * * * * *", upload on "0 0 0 1 1 *"`,
    );
    expect(lines[1]).toMatch(/^HQ profile: pilot, assigned by "store-\*", adopted \S+ \(kept in .*hq-profile\.json\)$/);
    const sourceOf = (field: string): string | undefined =>
      lines
        .find((line) => line.startsWith(`${field} `))
        ?.trim()
        .split(/\s+/)
        .slice(1)
        .join(' ');
    expect(sourceOf('profile.name')).toBe('"Pilot stores" HQ:pilot');
    expect(sourceOf('schedule.download')).toBe('"*/2 * * * * *" HQ:pilot');
    expect(sourceOf('download.gapReportMinutes')).toBe('30 HQ:pilot');
    expect(sourceOf('download.tryLimit')).toBe('2 override');
    expect(sourceOf('download.retryBackoffSeconds')).toBe('5 local');
    expect(sourceOf('channel.id')).toBe('"store-0042" local');
    expect(sourceOf('download.allowCreateTables')).toBe('false default');
  });

  it('refuses a bad, an unsigned and a foreign-signed profile, saying why, while the last good keeps running', async () => {
    const { store } = fixture;
    const { desk, daemon } = await startStore();
    await desk.publishAndAssign('pilot', publishedProfileText());
    await daemon.waitFor('profile.reloaded', reloadedByHq);
    const published = path.join(store.workingFolder, 'profiles', 'pilot.yaml');

    // Signed by HQ, but an interval out of range: the schema refuses it at its line and column.
    let after = daemon.events.length;
    const bad = publishedProfileText().replace('downloadIntervalMinutes: 5', 'downloadIntervalMinutes: 0');
    // The publish tool refuses it, so it is put there by hand, signed, as a careless script would.
    expect((await desk.publish('pilot', bad)).stderr).toContain('pilot.draft.yaml:3:28 profile.downloadIntervalMinutes');
    await desk.placeSigned('profiles/pilot.yaml', bad);
    const invalid = await daemon.waitFor('hq_profile.refused', (line) => line.code === 'E_HQ_PROFILE_INVALID', { after });
    expect(invalid).toMatchObject({
      running: 'pilot',
      problems: ['profiles/pilot.yaml:3:28 profile.downloadIntervalMinutes: expected a whole number of minutes from 1 to 1440, found 0'],
    });

    // No signature beside it.
    after = daemon.events.length;
    await rm(`${published}.sig`);
    await writeFile(published, publishedProfileText({ download: '*/3 * * * * *' }));
    const unsigned = await daemon.waitFor('hq_profile.refused', (line) => line.code === 'E_HQ_PROFILE_UNSIGNED', { after });
    expect(unsigned.problems).toEqual([expect.stringContaining('profiles/pilot.yaml has no signature')]);

    // Signed, but by another key than the one the store pins.
    after = daemon.events.length;
    const intruder = await HqDesk.create(path.join(store.root, 'intruder'), store.workingFolder);
    expect((await intruder.publish('pilot', publishedProfileText({ download: '*/3 * * * * *' }))).code).toBe(0);
    await daemon.waitFor('hq_profile.refused', (line) => line.code === 'E_HQ_PROFILE_SIGNATURE', { after });

    // The last good profile still runs: cycles go on at its pattern, and /healthz and status say which and why.
    await daemon.waitFor('cycle.finished', (line) => line.direction === 'download', { after: daemon.events.length });
    expect(daemon.named('profile.reloaded').filter(reloadedByHq)).toHaveLength(1);
    const { host, port } = (daemon.named('daemon.ready')[0] as LogEvent & { health: { host: string; port: number } }).health;
    const health = (await (await fetch(`http://${host}:${port}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      profile: 'Pilot stores',
      cycles: { download: { schedule: 'on "*/2 * * * * *"' } },
      hqProfile: { running: { name: 'pilot', assignedBy: 'store-*' }, lastCheck: { outcome: 'refused', code: 'E_HQ_PROFILE_SIGNATURE' } },
    });
    const status = spawnSync(process.execPath, [CLI_PATH, 'status', '--profile', store.profilePath], { encoding: 'utf8' });
    expect(status.status).toBe(1);
    expect(status.stdout).toMatch(
      /^hq: {7}pilot, revision \d+ \(assigned by "store-\*" since .+ UTC\); last look at .+ UTC: refused \(E_HQ_PROFILE_SIGNATURE\)$/m,
    );
    expect(status.stdout).toMatch(
      /^attention: HQ's profile for this store is refused \(E_HQ_PROFILE_SIGNATURE\), pilot keeps running: profiles\/pilot\.yaml\.sig does not verify/m,
    );
  });

  it('refuses an older signed copy of its profile put back, and still after a restart', async () => {
    const { store } = fixture;
    const { desk, daemon } = await startStore();
    await desk.publishAndAssign('pilot', publishedProfileText());
    await daemon.waitFor('profile.reloaded', reloadedByHq);
    const published = path.join(store.workingFolder, 'profiles', 'pilot.yaml');
    const older = { text: await readFile(published, 'utf8'), signature: await readFile(`${published}.sig`, 'utf8') };
    let after = daemon.events.length;
    expect((await desk.publish('pilot', publishedProfileText({ download: '*/3 * * * * *' }))).code).toBe(0);
    expect(await daemon.waitFor('profile.reloaded', reloadedByHq, { after })).toMatchObject({
      changes: [{ field: 'schedule.download', previous: '*/2 * * * * *', next: '*/3 * * * * *' }],
    });

    // The older copy put back whole, signature and all, as a stale backup restored (or an intruder) would.
    after = daemon.events.length;
    await writeFile(`${published}.sig`, older.signature);
    await writeFile(published, older.text);
    const refused = await daemon.waitFor('hq_profile.refused', (line) => line.code === 'E_HQ_PROFILE_ROLLBACK', { after });
    expect(refused).toMatchObject({
      running: 'pilot',
      problems: [
        expect.stringMatching(/^profiles\/pilot\.yaml is signed as revision \d+, older than revision \d+ this store already took/),
      ],
    });
    await daemon.waitFor('cycle.finished', (line) => line.direction === 'download', { after: daemon.events.length });
    expect(daemon.named('profile.reloaded').filter(reloadedByHq)).toHaveLength(2);
    daemon.signal('SIGTERM');
    expect((await daemon.exit()).code).toBe(0);

    // The state directory remembers the revision: a restart runs the newer profile and refuses the older copy again.
    const restarted = fixture.start(['run', '--profile', store.profilePath]);
    expect(await restarted.waitFor('daemon.ready')).toMatchObject({ schedules: { download: { schedule: 'on "*/3 * * * * *"' } } });
    await restarted.waitFor('hq_profile.refused', (line) => line.code === 'E_HQ_PROFILE_ROLLBACK');
    await restarted.waitFor('cycle.finished', (line) => line.direction === 'download', { after: restarted.events.length });
    expect(restarted.named('profile.reloaded')).toEqual([]);
  });

  it('starts on the last adopted profile when the working folder cannot be reached at a restart', async () => {
    const { store } = fixture;
    const { desk, daemon } = await startStore();
    await desk.publishAndAssign('pilot', publishedProfileText());
    await daemon.waitFor('profile.reloaded', reloadedByHq);
    daemon.signal('SIGTERM');
    expect((await daemon.exit()).code).toBe(0);

    await rename(store.workingFolder, `${store.workingFolder}.gone`);
    const restarted = fixture.start(['run', '--profile', store.profilePath]);
    expect(await restarted.waitFor('hq_profile.restored')).toMatchObject({ profile: 'pilot', assignedBy: 'store-*' });
    expect(await restarted.waitFor('preflight.folder_unreachable')).toMatchObject({ code: 'E_FOLDER_UNREACHABLE' });
    expect(await restarted.waitFor('daemon.ready')).toMatchObject({
      profile: 'Pilot stores',
      hqProfile: 'pilot',
      schedules: { download: { schedule: 'on "*/2 * * * * *"' } },
    });
    expect(await restarted.waitFor('hq_profile.fetch_failed')).toMatchObject({ code: 'E_FOLDER_UNREACHABLE', running: 'pilot' });

    // The folder comes back: the store finds the same profile and carries on, nothing to reload,
    // and tells HQ in its heartbeat which profile runs.
    await rename(`${store.workingFolder}.gone`, store.workingFolder);
    await restarted.waitFor('heartbeat.written', () => true, { after: restarted.events.length });
    expect(restarted.named('profile.reloaded')).toEqual([]);
    const heartbeat = JSON.parse(await readFile(path.join(store.workingFolder, 'store-0042', 'heartbeat.json'), 'utf8')) as unknown;
    // Which publication runs, kept in the state directory across the restart: the revision HQ signed and the text's digest.
    const published = path.join(store.workingFolder, 'profiles', 'pilot.yaml');
    const revision = Number(/^revision (\d+)$/m.exec(await readFile(`${published}.sig`, 'utf8'))?.[1]);
    const sha256 = createHash('sha256')
      .update(await readFile(published))
      .digest('hex');
    expect(revision).toBeGreaterThan(0);
    expect(heartbeat).toMatchObject({
      formatVersion: '1.2',
      profile: { name: 'Pilot stores' },
      hqProfile: { running: { name: 'pilot', assignedBy: 'store-*', revision, sha256 } },
    });
  });

  it('refuses to start with an unreachable folder when it never reached it (nothing kept)', async () => {
    const { store } = fixture;
    await store.writeProfile();
    await rm(store.workingFolder, { recursive: true });
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    expect((await daemon.exit()).code).toBe(1);
    expect(daemon.stderr()).toContain('E_FOLDER_UNREACHABLE');
  });
});

describe('the daemon adopts the profile HQ publishes, over WebDAV', () => {
  const fixture = useTempStore();
  let share: WebDavTestFolder | undefined;

  afterEach(async () => {
    await share?.cleanup();
    share = undefined;
  });

  it('adopts a profile HQ publishes through the WebDAV share and reschedules', async () => {
    const { store } = fixture;
    share = await webDavTestFolder();
    const url = new URL(share.url);
    url.username = share.username;
    const desk = await HqDesk.create(store.root, url.href, { [WEBDAV_PASSWORD_ENV]: share.password });
    await store.writeProfile({ extra: desk.pinnedKey });
    const text = await readFile(store.profilePath, 'utf8');
    const webdav = `workingFolder:\n  adapter: webdav\n  url: ${share.url}\n  username: ${share.username}\n  password: ${share.password}\n`;
    await writeFile(store.profilePath, text.replace('workingFolder:\n  adapter: local\n  path: exchange\n', webdav));
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    expect(await daemon.waitFor('daemon.ready')).toMatchObject({ workingFolder: expect.stringContaining('WebDAV'), hqProfile: null });

    await desk.publishAndAssign('pilot', publishedProfileText(), 'store-0042');
    expect(await daemon.waitFor('hq_profile.adopted')).toMatchObject({ profile: 'pilot', assignedBy: 'store-0042' });
    const reloaded = await daemon.waitFor('profile.reloaded', reloadedByHq);
    expect(reloaded).toMatchObject({ rescheduled: ['download'], schedules: { download: { schedule: 'on "*/2 * * * * *"' } } });
    expect(reloaded.changes).toEqual(
      expect.arrayContaining([{ field: 'schedule.download', previous: '*/1 * * * * *', next: '*/2 * * * * *' }]),
    );
  });
});
