import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { canMount, mountTmpfs, remountReadOnly, unmount } from '../support/mounts.js';
import { CLI_PATH, CliProcess } from '../support/daemon-process.js';
import { useTempStore } from '../support/store-fixture.js';

/** The user the unreadable-profile test runs the CLI as. */
const NOBODY = { uid: 65534, gid: 65534 };

/**
 * Only root can start a process as another user, and that user must reach the built CLI: a
 * checkout under a folder only its owner may enter (`mktemp -d` makes one) is out of its reach.
 */
const canRunAsNobody =
  process.getuid?.() === 0 &&
  spawnSync(process.execPath, ['-e', `const fs = require('node:fs'); fs.accessSync(${JSON.stringify(CLI_PATH)}, fs.constants.R_OK)`], {
    ...NOBODY,
    timeout: 30000,
  }).status === 0;

/** Starts `run` and returns its exit code and stderr; the daemon must refuse to start. */
async function refusedStart(args: readonly string[]): Promise<{ code: number | null; stderr: string; events: string[] }> {
  const cli = CliProcess.start(['run', ...args]);
  const { code } = await cli.exit();
  return { code, stderr: cli.stderr(), events: cli.events.map((line) => line.event) };
}

describe('run refuses to start, with a clear error and exit code 1', () => {
  const fixture = useTempStore();

  it('when the profile does not exist', async () => {
    const { store } = fixture;
    const missing = path.join(store.root, 'nope.yaml');
    const result = await refusedStart(['--profile', missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(missing);
    expect(result.events).toEqual([]);
  });

  it('when the profile path is a folder', async () => {
    const { store } = fixture;
    const result = await refusedStart(['--profile', store.root]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(store.root);
    expect(result.stderr).toMatch(/folder|directory/);
  });

  (canRunAsNobody ? it : it.skip)('when the service user may not read the profile (run as nobody: root reads anything)', async () => {
    const { store } = fixture;
    await store.writeProfile();
    await chmod(store.root, 0o755);
    await chmod(store.profilePath, 0o600);
    const result = spawnSync(process.execPath, [CLI_PATH, 'run', '--profile', store.profilePath], {
      encoding: 'utf8',
      ...NOBODY,
      timeout: 30000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(store.profilePath);
    expect(result.stderr).toContain('cannot read the profile file (EACCES');
  });

  it('when the profile is malformed YAML, naming line and column', async () => {
    const { store } = fixture;
    await writeFile(store.profilePath, 'profile:\n  name: [unclosed\n');
    const result = await refusedStart(['--profile', store.profilePath]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^${store.profilePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ `));
  });

  it('when the profile comes from $ASYNC_CLIENT_PROFILE and has an unknown key', async () => {
    const { store } = fixture;
    await store.writeProfile({ extra: 'colour: blue\n' });
    const cli = CliProcess.start(['run'], { ASYNC_CLIENT_PROFILE: store.profilePath });
    expect((await cli.exit()).code).toBe(1);
    expect(cli.stderr()).toMatch(/profile\.yaml:\d+:1 colour: /);
  });

  it('when the channel database folder does not exist', async () => {
    const { store } = fixture;
    await store.writeProfile();
    const text = await readFile(store.profilePath, 'utf8');
    await writeFile(store.profilePath, text.replace('  id: store-0042\n', '  id: store-0042\n  database: missing/channel.sqlite\n'));
    const result = await refusedStart(['--profile', store.profilePath]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('E_DATABASE_FOLDER_MISSING');
    expect(result.stderr).toContain(path.join(store.root, 'missing'));
    expect(result.events).toEqual(['daemon.start_failed']);
  });

  it('when the working folder is missing', async () => {
    const { store } = fixture;
    await store.writeProfile();
    const text = await readFile(store.profilePath, 'utf8');
    await writeFile(store.profilePath, text.replace('path: exchange', 'path: gone'));
    const result = await refusedStart(['--profile', store.profilePath]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(path.join(store.root, 'gone'));
    expect(result.stderr).toMatch(/E_FOLDER_(NOT_FOUND|UNREACHABLE)/);
  });

  (canMount ? it : it.skip)('when the working folder is read-only (a read-only mount: chmod does not stop root)', async () => {
    const { store } = fixture;
    await store.writeProfile();
    await mountTmpfs(store.workingFolder, 1024 * 1024);
    try {
      await remountReadOnly(store.workingFolder);
      const result = await refusedStart(['--profile', store.profilePath]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('E_FOLDER_READ_ONLY');
    } finally {
      await unmount(store.workingFolder);
    }
  });

  (canMount ? it : it.skip)('when the channel database folder is read-only', async () => {
    const { store } = fixture;
    await store.writeProfile();
    await mkdir(store.stateDirectory);
    await mountTmpfs(store.stateDirectory, 1024 * 1024);
    try {
      await remountReadOnly(store.stateDirectory);
      const result = await refusedStart(['--profile', store.profilePath]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('E_DATABASE_READONLY');
    } finally {
      await unmount(store.stateDirectory);
    }
  });

  it('with a usage error (exit 2) for an unknown option', async () => {
    const result = await refusedStart(['--frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option '--frobnicate'");
  });
});
