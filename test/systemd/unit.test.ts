import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DAEMON_ENVIRONMENT, DAEMON_NODE_FLAGS } from '../../src/daemon/node-start.js';

/**
 * Checks systemd/async-client.service with systemd's own tools, offline: this runs in containers
 * where PID 1 is not systemd, and `systemd-analyze verify` / `security --offline=yes` need none.
 */

const unitPath = resolve('systemd/async-client.service');
const sysusersPath = resolve('systemd/async-client.sysusers.conf');
/** The daemon's default shutdown grace; systemd must wait longer before it sends SIGKILL. */
const daemonShutdownGraceSeconds = 30;

interface ToolRun {
  readonly exitCode: number;
  readonly output: string;
}

function runTool(command: string, args: readonly string[]): Promise<ToolRun> {
  return new Promise((resolveRun, reject) => {
    execFile(command, args, { env: { ...process.env, SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '' } }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolveRun({ exitCode: typeof error?.code === 'number' ? error.code : 0, output: stdout + stderr });
    });
  });
}

/** Unit file as section -> key -> values in order (a key may repeat, e.g. SystemCallFilter=). */
function parseUnitFile(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      current = new Map();
      sections.set(header[1], current);
      continue;
    }
    const separator = line.indexOf('=');
    if (current === undefined || separator < 0) throw new Error(`unit file line outside a section or without "=": ${line}`);
    const key = line.slice(0, separator).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(separator + 1).trim()]);
  }
  return sections;
}

function seconds(timespan: string): number {
  const match = /^(\d+)(s|min)?$/.exec(timespan);
  if (match?.[1] === undefined) throw new Error(`unsupported timespan in the unit: ${timespan}`);
  return Number(match[1]) * (match[2] === 'min' ? 60 : 1);
}

describe('systemd/async-client.service', () => {
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'async-client-unit-'));
  });

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('passes systemd-analyze verify without a single message', async () => {
    const run = await runTool('systemd-analyze', ['verify', unitPath]);
    expect(run).toEqual({ exitCode: 0, output: '' });
  });

  it('is a unit systemd-analyze verify would complain about if it were broken', async () => {
    // Proves that verify really checks unit files offline here, so the empty output above means something.
    const broken = join(workDir, 'async-client.service');
    const text = await readFile(unitPath, 'utf8');
    await writeFile(broken, text.replace('ProtectHome=yes', 'ProtectHome=sometimes'));
    const run = await runTool('systemd-analyze', ['verify', broken]);
    expect(run.output).toContain('Failed to parse protect home value, ignoring: sometimes');
  });

  it('is rated OK or better by systemd-analyze security --offline=yes', async () => {
    const run = await runTool('systemd-analyze', ['security', '--offline=yes', unitPath]);
    expect(run.exitCode).toBe(0);
    const rating = /Overall exposure level for async-client\.service: (\d+\.\d) (\w+)/.exec(run.output);
    expect(rating?.[2]).toMatch(/^(OK|SAFE|PERFECT)$/);
  });

  describe('directives', () => {
    let service: Map<string, string[]>;

    beforeAll(async () => {
      const unit = parseUnitFile(await readFile(unitPath, 'utf8'));
      const section = unit.get('Service');
      if (section === undefined) throw new Error('the unit has no [Service] section');
      service = section;
    });

    it.each([
      ['Type', 'notify'],
      ['NotifyAccess', 'all'],
      ['ExecReload', '/bin/kill -HUP $MAINPID'],
      ['Restart', 'on-failure'],
      ['User', 'async-client'],
      ['StateDirectory', 'async-client'],
      ['ConfigurationDirectory', 'async-client'],
      ['UMask', '0027'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['PrivateDevices', 'yes'],
      ['NoNewPrivileges', 'yes'],
      ['CapabilityBoundingSet', ''],
      ['AmbientCapabilities', ''],
      ['SystemCallArchitectures', 'native'],
      ['SystemCallErrorNumber', 'EPERM'],
      ['RestrictAddressFamilies', 'AF_UNIX AF_INET AF_INET6'],
      ['RestrictNamespaces', 'yes'],
      ['RestrictSUIDSGID', 'yes'],
      ['LockPersonality', 'yes'],
      ['MemoryDenyWriteExecute', 'no'],
      ['ProtectKernelTunables', 'yes'],
      ['ProtectKernelModules', 'yes'],
      ['ProtectKernelLogs', 'yes'],
      ['ProtectControlGroups', 'yes'],
      ['ProtectClock', 'yes'],
      ['ProtectHostname', 'yes'],
      ['ProtectProc', 'invisible'],
    ])('sets %s=%s', (key, value) => {
      expect(service.get(key)).toEqual([value]);
    });

    it('runs the CLI daemon on the profile in the configuration directory', () => {
      expect(service.get('ExecStart')?.[0]).toMatch(
        /\/async-client\/dist\/bin\/async-client\.js run --profile \/etc\/async-client\/profile\.yaml$/,
      );
    });

    it('starts node as src/daemon/node-start.ts says, as the benchmarks do', () => {
      expect(service.get('ExecStart')?.[0]).toMatch(new RegExp(`^/usr/bin/node ${DAEMON_NODE_FLAGS.join(' ')} /`));
      const environment = Object.entries(DAEMON_ENVIRONMENT).map(([name, value]) => `${name}=${value}`);
      expect(service.get('Environment')).toEqual(expect.arrayContaining(environment));
    });

    it('filters system calls to those of a system service', () => {
      expect(service.get('SystemCallFilter')).toEqual(['@system-service', '~@privileged @resources']);
    });

    it('lets a cycle in flight finish on stop before systemd kills the daemon', () => {
      const timeoutStop = service.get('TimeoutStopSec')?.[0];
      expect(timeoutStop).toBeDefined();
      expect(seconds(timeoutStop ?? '')).toBeGreaterThan(daemonShutdownGraceSeconds);
    });

    it('asks for watchdog pings', () => {
      expect(seconds(service.get('WatchdogSec')?.[0] ?? '0')).toBeGreaterThan(0);
    });

    it('makes a working folder writable', () => {
      expect(service.get('ReadWritePaths')?.length).toBeGreaterThan(0);
    });
  });

  it('has `npm start` start node as the unit does', async () => {
    const manifest = JSON.parse(await readFile(resolve('package.json'), 'utf8')) as { scripts: Record<string, string> };
    const environment = Object.entries(DAEMON_ENVIRONMENT).map(([name, value]) => `${name}=${value}`);
    expect(manifest.scripts.start).toContain(`${environment.join(' ')} node ${DAEMON_NODE_FLAGS.join(' ')} dist/bin/async-client.js run`);
  });

  it('has the installed command (the bin, by its first line) start node as the unit does', async () => {
    const manifest = JSON.parse(await readFile(resolve('package.json'), 'utf8')) as { bin: Record<string, string> };
    const [shebang] = (await readFile(resolve(manifest.bin['async-client'] as string), 'utf8')).split('\n');
    const environment = Object.entries(DAEMON_ENVIRONMENT).map(([name, value]) => `${name}=${value}`);
    expect(shebang).toBe(`#!/usr/bin/env -S ${environment.join(' ')} node ${DAEMON_NODE_FLAGS.join(' ')}`);
  });

  it('ships a sysusers.d entry that creates the unit user without a login shell', async () => {
    const root = join(workDir, 'root');
    await mkdir(join(root, 'etc'), { recursive: true });
    const run = await runTool('systemd-sysusers', [`--root=${root}`, sysusersPath]);
    expect(run.exitCode).toBe(0);
    const passwd = await readFile(join(root, 'etc/passwd'), 'utf8');
    const entry = passwd.split('\n').find((line) => line.startsWith('async-client:'));
    expect(entry?.split(':').slice(5)).toEqual(['/var/lib/async-client', '/usr/sbin/nologin']);
  });
});
