import type { AsyncClientError } from '../../src/errors.js';
import { SystemdNotifier, watchdogPingIntervalMs } from '../../src/daemon/systemd-notify.js';
import { startNotifyListener, type NotifyListener } from '../support/notify-listener.js';

const waitMs = 10_000;

describe('SystemdNotifier against a real notification socket', () => {
  let listener: NotifyListener;
  let errors: AsyncClientError[];

  beforeEach(async () => {
    listener = await startNotifyListener();
    errors = [];
  });

  afterEach(async () => {
    await listener.stop();
  });

  function notifier(env: NodeJS.ProcessEnv = {}, command?: string): SystemdNotifier {
    return new SystemdNotifier({
      env: { PATH: process.env.PATH, NOTIFY_SOCKET: listener.socketPath, ...env },
      pid: process.pid,
      onError: (error) => errors.push(error),
      ...(command === undefined ? {} : { command }),
    });
  }

  it('delivers the lifecycle messages in the order they were asked for', async () => {
    const systemd = notifier();
    void systemd.ready();
    void systemd.status('download: applied 3 packages');
    void systemd.reloading();
    void systemd.ready();
    void systemd.status('upload: nothing to do');
    void systemd.stopping();
    await systemd.close();

    const messages = listener.messages();
    expect(messages).toHaveLength(6);
    expect(messages[2]).toMatch(/^RELOADING=1\nMONOTONIC_USEC=\d+$/);
    expect(messages.filter((_message, index) => index !== 2)).toEqual([
      'READY=1',
      'STATUS=download: applied 3 packages',
      'READY=1',
      'STATUS=upload: nothing to do',
      'STOPPING=1',
    ]);
    expect(errors).toEqual([]);
  });

  it('keeps a status on one line so it cannot smuggle in other fields', async () => {
    const systemd = notifier();
    await systemd.status('upload failed\nREADY=1\r\nsee the log');
    await systemd.close();
    expect(listener.messages()).toEqual(['STATUS=upload failed READY=1 see the log']);
  });

  it('pings WATCHDOG=1 on a timer while the watchdog runs', async () => {
    const systemd = notifier({ WATCHDOG_USEC: '100000', WATCHDOG_PID: String(process.pid) });
    systemd.startWatchdog();
    await listener.waitFor((messages) => messages.filter((message) => message === 'WATCHDOG=1').length >= 3, waitMs);
    await systemd.close();
    expect(new Set(listener.messages())).toEqual(new Set(['WATCHDOG=1']));
    expect(errors).toEqual([]);
  });

  it('sends no pings when systemd asks another process for them (WATCHDOG_PID)', async () => {
    // A 1 ms interval would fire many times while the STATUS send below is in flight.
    const systemd = notifier({ WATCHDOG_USEC: '2000', WATCHDOG_PID: String(process.pid + 1) });
    systemd.startWatchdog();
    await systemd.status('running');
    await systemd.close();
    expect(listener.messages()).toEqual(['STATUS=running']);
  });

  it('reports a watchdog interval it cannot read and sends no pings', async () => {
    const systemd = notifier({ WATCHDOG_USEC: '30s' });
    systemd.startWatchdog();
    await systemd.status('running');
    await systemd.close();
    expect(listener.messages()).toEqual(['STATUS=running']);
    expect(errors.map((error) => error.code)).toEqual(['E_SYSTEMD_WATCHDOG']);
  });

  it('reports a missing systemd-notify tool instead of throwing, and keeps going', async () => {
    const systemd = notifier({}, '/nonexistent/systemd-notify');
    await expect(systemd.ready()).resolves.toBeUndefined();
    await expect(systemd.status('still here')).resolves.toBeUndefined();
    await systemd.close();
    expect(errors.map((error) => [error.code, error.details.assignments])).toEqual([
      ['E_SYSTEMD_NOTIFY', ['READY=1']],
      ['E_SYSTEMD_NOTIFY', ['STATUS=still here']],
    ]);
    expect(errors[0]?.message).toContain('ENOENT');
  });

  it('reports a notification socket that is gone, and later sends still go out', async () => {
    const gone = notifier({ NOTIFY_SOCKET: `${listener.socketPath}.gone` });
    await expect(gone.stopping()).resolves.toBeUndefined();
    await gone.close();
    expect(errors.map((error) => error.code)).toEqual(['E_SYSTEMD_NOTIFY']);
    expect(errors[0]?.message).toContain('No such file or directory');

    const systemd = notifier();
    await systemd.ready();
    await systemd.close();
    expect(listener.messages()).toEqual(['READY=1']);
  });
});

describe('SystemdNotifier outside systemd (no NOTIFY_SOCKET)', () => {
  it('does nothing and reports nothing', async () => {
    const errors: AsyncClientError[] = [];
    // Were anything spawned, this command would fail and land in errors.
    const systemd = new SystemdNotifier({
      env: { WATCHDOG_USEC: '2000' },
      pid: process.pid,
      onError: (error) => errors.push(error),
      command: '/nonexistent/systemd-notify',
    });
    expect(systemd.enabled).toBe(false);
    systemd.startWatchdog();
    await systemd.ready();
    await systemd.status('running');
    await systemd.reloading();
    await systemd.watchdog();
    await systemd.stopping();
    await systemd.close();
    expect(errors).toEqual([]);
  });
});

describe('watchdogPingIntervalMs', () => {
  const pid = 4242;

  it.each([
    [{ WATCHDOG_USEC: '60000000' }, 30_000],
    [{ WATCHDOG_USEC: '60000000', WATCHDOG_PID: '4242' }, 30_000],
    [{ WATCHDOG_USEC: '3000' }, 1],
    [{ WATCHDOG_USEC: '1' }, 1],
    [{ WATCHDOG_USEC: '60000000', WATCHDOG_PID: '4243' }, undefined],
    [{ WATCHDOG_PID: '4242' }, undefined],
    [{}, undefined],
  ])('reads %j as a ping interval of %p ms (undefined: no pings)', (env, expected) => {
    expect(watchdogPingIntervalMs(env, pid)).toBe(expected);
  });

  it.each(['0', '-5', '1.5', '30s', ' 100'])('rejects WATCHDOG_USEC=%j with E_SYSTEMD_WATCHDOG', (usec) => {
    expect(() => watchdogPingIntervalMs({ WATCHDOG_USEC: usec }, pid)).toThrow(expect.objectContaining({ code: 'E_SYSTEMD_WATCHDOG' }));
  });
});
