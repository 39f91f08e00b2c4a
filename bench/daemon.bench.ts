/**
 * The daemon's own cost on a store machine: time from spawn to READY, resident memory and
 * CPU seconds over an idle minute. Baseline in the same run: a bare `node` process that
 * imports every dependency and then idles. Targets (issue 10): spawn to READY at most 1.3x the
 * baseline; idle RSS at most 60 MB; idle CPU under 0.5 s/min.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DAEMON_ENVIRONMENT, DAEMON_NODE_FLAGS } from '../src/daemon/node-start.js';
import { markdownTable } from './support/phases.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/bin/async-client.js');
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const CLOCK_TICKS = 100;

interface Process {
  readonly child: ChildProcess;
  readonly readyMs: number;
}

/** Spawns `args` and resolves when a stdout line satisfies `isReady`. */
async function startUntil(args: readonly string[], isReady: (line: string) => boolean): Promise<Process> {
  const started = performance.now();
  // Both started as the daemon's unit starts it (src/daemon/node-start.ts).
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...DAEMON_ENVIRONMENT },
  });
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      if (isReady(line)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before it was ready`)));
  });
  return { child, readyMs: performance.now() - started };
}

/**
 * Node importing every dependency, one after the other: the daemon imports the same modules,
 * yaml and TypeBox in the profile check's process (which exits after each check), the rest
 * itself, the cycles' on their first run.
 */
function baseline(): Promise<Process> {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const imports = Object.keys(manifest.dependencies)
    .map((name) => `await import(${JSON.stringify(name)});`)
    .join('');
  const script = `${imports} console.log('ready'); setInterval(() => {}, 1 << 30);`;
  return startUntil(['--input-type=module', '-e', script], (line) => line === 'ready');
}

function daemon(profile: string): Promise<Process> {
  return startUntil([CLI, 'run', '--profile', profile], (line) => line.includes('"event":"daemon.ready"'));
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** An idle store: long intervals, so the timers sleep after the first run. */
function writeProfile(root: string): string {
  mkdirSync(path.join(root, 'exchange'));
  const file = path.join(root, 'profile.yaml');
  writeFileSync(
    file,
    `profile:\n  name: Bench store\n  downloadIntervalMinutes: 15\n  uploadIntervalMinutes: 15\nchannel:\n  id: bench\nworkingFolder:\n  adapter: local\n  path: exchange\nstateDirectory: state\nlog:\n  level: info\ndaemon:\n  startJitterSeconds: 0\n  health:\n    port: 0\n`,
  );
  return file;
}

async function idle(start: () => Promise<Process>): Promise<{ rssMb: number; cpuPerMinute: number }> {
  const { child } = await start();
  const pid = child.pid!;
  await sleep(2000);
  const cpuBefore = cpuSeconds(pid);
  await sleep(IDLE_SECONDS * 1000);
  const result = { rssMb: rssMb(pid), cpuPerMinute: ((cpuSeconds(pid) - cpuBefore) * 60) / IDLE_SECONDS };
  await stop(child);
  return result;
}

const root = mkdtempSync(path.join(tmpdir(), 'async-client-bench-daemon-'));
try {
  const profile = writeProfile(root);
  const startTimes = { baseline: [] as number[], daemon: [] as number[] };
  for (let round = 0; round < STARTS; round++) {
    for (const [name, start] of [
      ['baseline', baseline],
      ['daemon', () => daemon(profile)],
    ] as const) {
      const started = await start();
      startTimes[name].push(started.readyMs);
      await stop(started.child);
    }
  }
  const [idleBaseline, idleDaemon] = await Promise.all([idle(baseline), idle(() => daemon(profile))]);
  const startBaseline = median(startTimes.baseline);
  const startDaemon = median(startTimes.daemon);
  const table = markdownTable(
    ['measure', 'daemon', 'baseline (node importing the same modules)', 'ratio', 'target'],
    [
      [
        `spawn to READY (median of ${STARTS})`,
        `${startDaemon.toFixed(0)} ms`,
        `${startBaseline.toFixed(0)} ms`,
        `${(startDaemon / startBaseline).toFixed(2)}x`,
        '≤ 1.3x',
      ],
      [
        `RSS after ${IDLE_SECONDS} s idle`,
        `${idleDaemon.rssMb.toFixed(1)} MB`,
        `${idleBaseline.rssMb.toFixed(1)} MB`,
        `${(idleDaemon.rssMb / idleBaseline.rssMb).toFixed(2)}x`,
        '≤ 60 MB',
      ],
      ['CPU while idle', `${idleDaemon.cpuPerMinute.toFixed(3)} s/min`, `${idleBaseline.cpuPerMinute.toFixed(3)} s/min`, '', '< 0.5 s/min'],
    ],
  );
  process.stdout.write(`${table}\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
