import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/test-prerequisites.sh');

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'async-client-prerequisites-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function run(script: string, args: readonly string[], env: NodeJS.ProcessEnv): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync('/bin/bash', [script, ...args], { encoding: 'utf8', env: { ASYNC_CLIENT_TEST_NO_INSTALL: '1', ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm test on a fresh machine: prerequisites first', () => {
  it('stops at once, with the one command to run, when Debian packages are missing', async () => {
    // A PATH with the shell's own few tools and none of the tests' programs.
    const bin = path.join(scratch, 'bin');
    await mkdir(bin);
    for (const tool of ['ls', 'id', 'dirname']) await symlink(`/usr/bin/${tool}`, path.join(bin, tool));
    const result = run(SCRIPT, [], { PATH: bin });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^npm test: the tests need Debian packages that are not installed: rclone .*python3/);
    expect(lines[2]).toMatch(/^ {2}sudo apt-get install -y --no-install-recommends rclone( \S+)+$/);
    expect(lines[2]).toContain(' sqlite3 ');
  });

  it('passes when everything is there, and asks for npm ci when the npm packages are not installed', async () => {
    expect(run(SCRIPT, ['--npm-packages'], { PATH: process.env.PATH })).toEqual({ code: 0, stdout: '', stderr: '' });
    // The same script in a checkout without node_modules.
    await mkdir(path.join(scratch, 'scripts'));
    await copyFile(SCRIPT, path.join(scratch, 'scripts', 'test-prerequisites.sh'));
    const fresh = run(path.join(scratch, 'scripts', 'test-prerequisites.sh'), ['--npm-packages'], { PATH: process.env.PATH });
    expect(fresh).toEqual({ code: 1, stdout: '', stderr: 'npm test: the npm packages are not installed. Run first:\n  npm ci\n' });
  });
});
