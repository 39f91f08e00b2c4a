import { readFile, writeFile } from 'node:fs/promises';
import { ExitCode } from '../../src/cli/command.js';
import { downloadCommand } from '../../src/cli/commands/download.js';
import { WAITING_EXIT_CODE } from '../../src/cli/one-shot.js';
import { DownloadStore } from '../download/download-store.js';
import { runCli } from './sessions-cli-run.js';

let store: DownloadStore;
let profile: string;
beforeEach(async () => {
  store = await DownloadStore.create();
  profile = await store.writeProfileFile();
});
afterEach(async () => {
  await store.close();
});

describe('async-client download --once', () => {
  test('applies what waits and exits 0; the summary on stdout, the JSON log on stderr', async () => {
    await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
    await store.publish(2, [[2, 'two', 2]]);
    const run = await runCli(downloadCommand, ['--once', '--profile', profile]);
    expect(run).toMatchObject({ exitCode: ExitCode.ok, stdout: 'download: applied 2 packages (seq 1-2)\n' });
    const events = run.stderr
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events.filter((event) => event === 'download.applied')).toHaveLength(2);
    expect(events.at(-1)).toBe('cycle.finished');
    expect(await store.products()).toEqual([
      [1, 'one', 1],
      [2, 'two', 2],
    ]);
    expect(await runCli(downloadCommand, ['--once', '--profile', profile])).toMatchObject({
      exitCode: ExitCode.ok,
      stdout: 'download: no download package to apply\n',
    });
  });

  test('$ASYNC_CLIENT_PROFILE names the profile when --profile is absent', async () => {
    expect(await runCli(downloadCommand, ['--once'], { ASYNC_CLIENT_PROFILE: profile })).toMatchObject({ exitCode: ExitCode.ok });
  });

  test('a failed package exits 1', async () => {
    await store.publish(1, [[1, 'one', 1]]);
    const run = await runCli(downloadCommand, ['--once', '--profile', profile]);
    expect(run.exitCode).toBe(ExitCode.failure);
    expect(run.stdout).toBe('download: 1 failed\n');
    expect(run.stderr).toContain('"event":"download.failed"');
    expect(run.stderr).toContain('E_SCHEMA_TABLE_MISSING');
  });

  test('waiting on a gap or a package not yet due exits 3', async () => {
    await store.publish(2, [[2, 'two', 2]]);
    const gap = await runCli(downloadCommand, ['--once', '--profile', profile]);
    expect(gap).toMatchObject({
      exitCode: WAITING_EXIT_CODE,
      stdout: 'download: waiting: sequence 1 has not arrived; 1 later package waits behind it\n',
    });
  });

  test('usage: --once is required, unknown options and arguments are refused with exit 2; --help documents the exit codes', async () => {
    expect(await runCli(downloadCommand, ['--profile', profile])).toMatchObject({
      exitCode: ExitCode.usage,
      stderr: expect.stringContaining('only --once is supported'),
    });
    expect((await runCli(downloadCommand, ['--once', '--fast'])).exitCode).toBe(ExitCode.usage);
    expect((await runCli(downloadCommand, ['--once', 'now'])).exitCode).toBe(ExitCode.usage);
    const help = await runCli(downloadCommand, ['--help']);
    expect(help.exitCode).toBe(ExitCode.ok);
    expect(help.stdout).toContain('3  waiting');
  });

  test('a missing profile or an unusable working folder exits 1 with the reason', async () => {
    const missing = await runCli(downloadCommand, ['--once', '--profile', `${profile}.missing`]);
    expect(missing).toMatchObject({ exitCode: ExitCode.failure, stderr: expect.stringContaining('no such profile file') });
    const broken = await store.writeProfileFile();
    await writeFile(broken, (await readFile(broken, 'utf8')).replace(`path: ${store.folderRoot}`, `path: ${store.folderRoot}/nowhere`));
    const unreachable = await runCli(downloadCommand, ['--once', '--profile', broken]);
    expect(unreachable).toMatchObject({ exitCode: ExitCode.failure, stderr: expect.stringContaining('cannot start') });
  });
});
