import { readFile, rename, writeFile } from 'node:fs/promises';
import { startNotifyListener, type NotifyListener } from '../support/notify-listener.js';
import { useTempStore } from '../support/store-fixture.js';

describe('the daemon as a spawned process', () => {
  const fixture = useTempStore();
  let notify: NotifyListener | undefined;

  afterEach(async () => {
    await notify?.stop();
    notify = undefined;
  });

  it('starts, tells systemd READY=1 and its status, runs a cycle on a seconds pattern, and stops cleanly on SIGTERM', async () => {
    const { store } = fixture;
    notify = await startNotifyListener();
    await store.writeProfile();
    const daemon = fixture.start(['run', '--profile', store.profilePath], { NOTIFY_SOCKET: notify.socketPath });

    const ready = await daemon.waitFor('daemon.ready');
    expect(ready).toMatchObject({ channel: 'store-0042', schedules: { download: { schedule: 'on "*/1 * * * * *"' } } });
    await notify.waitFor((messages) => messages.includes('READY=1'), 10000);

    const finished = await daemon.waitFor('cycle.finished', (line) => line.direction === 'download');
    expect(finished).toMatchObject({ outcome: expect.stringMatching(/^(idle|done)$/) });
    await notify.waitFor((messages) => messages.some((m) => m.startsWith('STATUS=download: ')), 10000);

    daemon.signal('SIGTERM');
    expect(await daemon.exit()).toEqual({ code: 0, signal: null });
    expect(daemon.named('daemon.stopped')).toEqual([expect.objectContaining({ clean: true })]);
    await notify.waitFor((messages) => messages.includes('STOPPING=1'), 10000);
  });

  it('picks up an edit of the profile and reschedules without a restart', async () => {
    const { store } = fixture;
    await store.writeProfile();
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    await daemon.waitFor('daemon.ready');

    await store.writeProfile({ download: '*/2 * * * * *' });
    const reloaded = await daemon.waitFor('profile.reloaded');
    expect(reloaded).toMatchObject({
      trigger: 'file',
      rescheduled: ['download'],
      schedules: { download: { schedule: 'on "*/2 * * * * *"' } },
      changes: [{ field: 'schedule.download', previous: '*/1 * * * * *', next: '*/2 * * * * *' }],
    });
    expect(daemon.pid).toBeGreaterThan(0);
    expect(daemon.child.exitCode).toBeNull();
  });

  it('sees a save by rename, the way vim and sed -i save', async () => {
    const { store } = fixture;
    await store.writeProfile();
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    await daemon.waitFor('daemon.ready');

    const replacement = `${store.profilePath}.new`;
    await writeFile(replacement, (await readFile(store.profilePath, 'utf8')).replace('*/1 * * * * *', '*/3 * * * * *'));
    await rename(replacement, store.profilePath);
    const reloaded = await daemon.waitFor('profile.reloaded');
    expect(reloaded).toMatchObject({ schedules: { download: { schedule: 'on "*/3 * * * * *"' } } });
  });

  it('logs an invalid edit with file:line:col and keeps running the last good profile', async () => {
    const { store } = fixture;
    await store.writeProfile();
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    await daemon.waitFor('daemon.ready');

    const good = await readFile(store.profilePath, 'utf8');
    await writeFile(store.profilePath, good.replace('downloadIntervalMinutes: 15', 'downloadIntervalMinutes: 0'));
    const invalid = await daemon.waitFor('profile.invalid');
    expect(invalid.problems).toEqual([
      `${store.profilePath}:3:28 profile.downloadIntervalMinutes: expected a whole number of minutes from 1 to 1440, found 0`,
    ]);
    const after = daemon.events.length;
    await daemon.waitFor('cycle.finished', (line) => line.direction === 'download', { after });
    expect(daemon.named('profile.reloaded')).toEqual([]);
  });

  it('says at start-up which upload table cannot be uploaded, and runs on', async () => {
    const { store } = fixture;
    await store.writeProfile({ extra: 'upload:\n  tables:\n    - name: sale_line\n      counterColumn: replication_counter\n' });
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    const problem = await daemon.waitFor('preflight.upload_table');
    expect(problem).toMatchObject({ table: 'sale_line', code: 'E_UPLOAD_TABLE_MISSING', message: expect.stringContaining('sale_line') });
    await daemon.waitFor('daemon.ready');
    await daemon.waitFor('cycle.finished', (line) => line.direction === 'download');
  });

  it('re-reads the profile on SIGHUP', async () => {
    const { store } = fixture;
    await store.writeProfile();
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    await daemon.waitFor('daemon.ready');

    daemon.signal('SIGHUP');
    expect(await daemon.waitFor('profile.unchanged')).toMatchObject({ trigger: 'signal' });
  });

  it('serves /healthz and /metrics on the port the profile asks for', async () => {
    const { store } = fixture;
    await store.writeProfile({ healthPort: 0 });
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    const ready = await daemon.waitFor('daemon.ready');
    const { host, port } = ready.health as { host: string; port: number };
    await daemon.waitFor('cycle.finished', (line) => line.direction === 'download');

    const health = await fetch(`http://${host}:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      ready: true,
      channel: 'store-0042',
      cycles: { download: { last: { direction: 'download' } } },
    });
    const metrics = await (await fetch(`http://${host}:${port}/metrics`)).text();
    expect(metrics).toMatch(/async_client_cycle_runs_total\{direction="download",outcome="(idle|done)"\} [1-9]/);
    expect(metrics).toContain('async_client_ready 1');
  });
});
