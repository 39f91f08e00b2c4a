import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CLI_PATH } from '../support/daemon-process.js';
import { useTempStore } from '../support/store-fixture.js';

function doctor(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI_PATH, 'doctor', ...args], { encoding: 'utf8', timeout: 60000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Report {
  readonly worst: string;
  readonly checks: readonly { check: string; status: string; detail: string; fix?: string }[];
}

describe('async-client doctor through the built CLI', () => {
  const fixture = useTempStore();

  it('exit code by the worst result: 3 for warnings only, 1 for a failure; --json says the same', async () => {
    const { store } = fixture;
    await store.writeProfile();
    const unit = path.join(store.root, 'none.service');
    // A store never started: no database yet and no service unit are warnings.
    const warnings = doctor(['--profile', store.profilePath, '--unit', unit]);
    expect(warnings.code).toBe(3);
    expect(warnings.stdout).toMatch(
      /^WARN {2}database +.+ does not exist yet\n +fix: nothing to do: the daemon creates it at its first start$/m,
    );
    expect(warnings.stdout).toMatch(/^OK {4}working-folder +local folder /m);

    const json = doctor(['--profile', store.profilePath, '--unit', unit, '--json']);
    expect(json.code).toBe(3);
    const report = JSON.parse(json.stdout) as Report;
    expect(report.worst).toBe('warn');
    expect(report.checks.find((c) => c.check === 'database')).toMatchObject({ status: 'warn' });

    await writeFile(store.profilePath, 'profile: [\n');
    const failed = JSON.parse(doctor(['--profile', store.profilePath, '--json']).stdout) as Report;
    expect(failed.worst).toBe('fail');
    expect(doctor(['--profile', store.profilePath]).code).toBe(1);
  });

  it('beside a running daemon: names its PID, and its health port is in use by it, not by a stranger', async () => {
    const { store } = fixture;
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    await store.writeProfile({ healthPort: port });
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    await daemon.waitFor('daemon.ready');
    const report = JSON.parse(doctor(['--profile', store.profilePath, '--json']).stdout) as Report;
    expect(report.checks.find((c) => c.check === 'instance')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining(`download: PID ${daemon.pid} (run, since `),
    });
    expect(report.checks.find((c) => c.check === 'health-port')).toEqual({
      check: 'health-port',
      status: 'ok',
      detail: `127.0.0.1:${port} is in use, by the running daemon`,
    });
  });
});
