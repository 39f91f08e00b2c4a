import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { Backlog, seedStore } from './download-backlog.js';
import { CLI_PATH } from '../support/daemon-process.js';
import { useTempStore } from '../support/store-fixture.js';

/** A TCP port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function status(profile: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI_PATH, 'status', '--profile', profile], { encoding: 'utf8', timeout: 30000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('async-client status', () => {
  const fixture = useTempStore();

  it('shows what the running daemon applied, and exit 0 when all is well', async () => {
    const { store } = fixture;
    const port = await freePort();
    await store.writeProfile({ healthPort: port });
    await seedStore(store, new Backlog(3, 20), 1);

    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    await daemon.waitFor('download.applied');
    const result = status(store.profilePath);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('store-0042 (Test store)');
    expect(result.stdout).toContain('download: applied through sequence 1');
    expect(result.stdout).toMatch(
      /^daemon: {3}ready\n {2}download: on "\*\/1 \* \* \* \* \*"; last: .+; (next at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC|running now)\n {2}upload: {3}/m,
    );
    expect(result.stdout).not.toContain('attention');
    expect(result.stdout).not.toContain('{');
  });

  it('a profile without a health port is information, not a failure: exit 0', async () => {
    const { store } = fixture;
    await store.writeProfile();
    await seedStore(store, new Backlog(3, 20), 1);
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    await daemon.waitFor('download.applied');
    const result = status(store.profilePath);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`daemon:   running (PID ${daemon.pid} (run, since `);
    expect(result.stdout).toContain('no schedules shown: the profile serves no health port (daemon.health)');
    expect(result.stdout).not.toContain('attention');
    expect(result.code).toBe(0);

    // Its lock tells a stopped daemon too.
    daemon.signal('SIGTERM');
    await daemon.exit();
    const stopped = status(store.profilePath);
    expect(stopped.stdout).toContain("daemon:   not running (no process holds this store's locks)");
    expect(stopped.stdout).toContain(
      "attention: the daemon is not running (no process holds this store's locks)\n    fix: sudo systemctl start async-client\n",
    );
    expect(stopped.code).toBe(1);
  });

  it('lists a Suspended package and a daemon that is not running, each with the command that fixes it, exit 1', async () => {
    const { store } = fixture;
    const port = await freePort();
    await store.writeProfile({ healthPort: port });
    const downloadArea = path.join(store.workingFolder, 'store-0042', 'download');
    await mkdir(downloadArea, { recursive: true });
    await writeFile(path.join(downloadArea, 'store-0042_download_000000000001.acpkg'), 'not a package');
    const once = spawnSync(process.execPath, [CLI_PATH, 'download', '--once', '--profile', store.profilePath], { encoding: 'utf8' });
    expect(once.status).toBe(1);

    const result = status(store.profilePath);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('seq 1 Suspended (tries 1)');
    expect(result.stdout).toMatch(
      /attention: download sequence 1 is Suspended after 1 tries, and later packages wait behind it: .+\n {4}fix: fix the cause, then: async-client sessions retry 1 \(or give it up: async-client sessions cancel 1 --yes --reason TEXT\)\n/,
    );
    expect(result.stdout).toContain(`daemon:   not running (nothing listens at http://127.0.0.1:${port}/healthz)`);
    expect(result.stdout).toContain(
      `attention: the daemon is not running (nothing listens at http://127.0.0.1:${port}/healthz)\n    fix: sudo systemctl start async-client\n`,
    );
  });
});
