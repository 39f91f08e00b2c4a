import { spawnSync } from 'node:child_process';
import { access, mkdir, readdir, rm } from 'node:fs/promises';
import { InstanceLock } from '../../src/daemon/instance-lock.js';
import { CLI_PATH } from '../support/daemon-process.js';
import { useTempStore } from '../support/store-fixture.js';

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

function once(direction: 'download' | 'upload', profile: string): { code: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [CLI_PATH, direction, '--once', '--profile', profile], { encoding: 'utf8', timeout: 30000 });
  return { code: result.status, stderr: result.stderr };
}

describe('one instance per store', () => {
  const fixture = useTempStore();

  it('refuses a second daemon and a one-shot cycle while the first runs, naming its PID; a daemon after a SIGKILL starts', async () => {
    const { store } = fixture;
    await store.writeProfile();
    const first = fixture.start(['run', '--profile', store.profilePath]);
    await first.waitFor('daemon.ready');

    const second = fixture.start(['run', '--profile', store.profilePath]);
    expect(await second.exit()).toEqual({ code: 1, signal: null });
    expect(second.stderr()).toContain(`another async-client runs this store's download cycle: PID ${first.pid} (run, since `);
    expect(second.named('daemon.start_failed')).toEqual([expect.objectContaining({ code: 'E_ALREADY_RUNNING' })]);
    expect(second.named('daemon.ready')).toEqual([]);

    for (const direction of ['download', 'upload'] as const) {
      const refused = once(direction, store.profilePath);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`another async-client runs this store's ${direction} cycle: PID ${first.pid} (run, since `);
      expect(refused.stderr).toContain('(E_ALREADY_RUNNING)');
    }

    // The kernel drops the lock with the process: no stale lock after a crash.
    first.signal('SIGKILL');
    expect(await first.exit()).toEqual({ code: null, signal: 'SIGKILL' });
    const third = fixture.start(['run', '--profile', store.profilePath]);
    await third.waitFor('daemon.ready');
    third.signal('SIGTERM');
    expect(await third.exit()).toEqual({ code: 0, signal: null });
  });

  it('a one-shot cycle needs only its own direction: an upload runs while the download lock is held', async () => {
    const { store } = fixture;
    await store.writeProfile();
    await mkdir(store.stateDirectory);
    const downloadLock = await InstanceLock.acquire(store.stateDirectory, 'download', 'test');
    try {
      expect(await InstanceLock.probe(store.stateDirectory, 'download')).toEqual({
        held: true,
        holder: { pid: process.pid, command: 'test', since: expect.any(String) },
      });
      expect(once('upload', store.profilePath).code).toBe(0);
      const refused = once('download', store.profilePath);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`PID ${process.pid} (test, since `);
    } finally {
      await downloadLock.release();
    }
    expect(await InstanceLock.probe(store.stateDirectory, 'download')).toEqual({ held: false });
    expect(once('download', store.profilePath).code).toBe(0);
  });

  it('a start that fails leaves nothing behind: no state directory, no fresh database', async () => {
    const { store } = fixture;
    await store.writeProfile();
    // No working folder: the preflight refuses the start after the database was opened.
    await rm(store.workingFolder, { recursive: true });
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    expect(await daemon.exit()).toEqual({ code: 1, signal: null });
    expect(daemon.stderr()).toContain('cannot start');
    expect(await exists(store.stateDirectory)).toBe(false);

    // A state directory that was there stays, without the database this start created; only
    // the lock file stays, which is never removed (another process may be opening it).
    await mkdir(store.stateDirectory);
    expect(once('download', store.profilePath).code).toBe(1);
    expect(await readdir(store.stateDirectory)).toEqual(['download.lock']);
  });
});
