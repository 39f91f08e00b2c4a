/**
 * What a fleet of stores costs HQ's WebDAV server (issue 11), against baselines in the same run:
 * 1. requests per store per hour when nothing happens: the real daemon (`async-client run`)
 *    over WebDAV, every timer at one minute, counted at a proxy for a few minutes and scaled
 *    to an hour;
 * 2. the per-second request profile of 200 stores on one server over 5 minutes, placed by
 *    their rank among the root's channel folders (this daemon), against the same 200 stores
 *    placed as before in the same run: by an offset hashed from the channel id, and by one
 *    random start jitter of up to 30 s (`storesProcess`).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../src/observe/logger.js';
import { DaemonMetrics } from '../src/observe/metrics.js';
import type { Direction } from '../src/package/types.js';
import { systemClock } from '../src/schedule/clock.js';
import { CyclePlacement } from '../src/schedule/cycle-placement.js';
import { CycleScheduler } from '../src/schedule/cycle-scheduler.js';
import { storeOffsetsMs } from '../src/schedule/store-offsets.js';
import { channelFolders } from '../src/workfolder/layout.js';
import { WebDavWorkingFolder } from '../src/workfolder/webdav.js';
import { CountingProxy, type ProxiedRequest } from './support/counting-proxy.js';
import { startRcloneServer, stopServer, type WebDavServer } from './support/dav-servers.js';
import { markdownTable, runBenchmark } from './support/phases.js';

const STORES = Number(process.env.BENCH_FLEET_STORES ?? 200);
const WINDOW_SECONDS = Number(process.env.BENCH_FLEET_SECONDS ?? 300);
const IDLE_SECONDS = Number(process.env.BENCH_FLEET_IDLE_SECONDS ?? 180);
const OLD_JITTER_SECONDS = 30;
const CLI = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'bin', 'async-client.js');

type Placing = 'ranked' | 'hashed' | 'jitter';

const PLACINGS: Readonly<Record<Placing, string>> = {
  ranked: 'rank among the channel folders of the root (this daemon)',
  hashed: 'offset hashed from the channel id (before)',
  jitter: `one random start jitter ≤ ${OLD_JITTER_SECONDS} s (first daemon)`,
};

const FLEET_FLAG = '--fleet';
const fleetAt = process.argv.indexOf(FLEET_FLAG);

if (fleetAt >= 0) await storesProcess(process.argv[fleetAt + 1] as Placing, process.argv[fleetAt + 2] ?? '');
else
  await runBenchmark('fleet-load', {}, async (scratch) => {
    const root = join(scratch, 'dav');
    // The fleet's folders are there before the server starts, so that its folder cache (a
    // fleet's root listing takes seconds without one) never misses one.
    for (const store of storeNames()) {
      const folders = channelFolders(store);
      mkdirSync(join(root, folders.download), { recursive: true });
      mkdirSync(join(root, folders.upload), { recursive: true });
    }
    const server = await startRcloneServer(root, { cacheDirectories: true });
    try {
      const [idle, profiles] = await Promise.all([idleDaemon(scratch, server), fleetProfiles(server)]);
      process.stdout.write(`${idle}\n\n${profiles}\n`);
    } finally {
      await stopServer(server.pid);
    }
  });

/** The real daemon with nothing to do, every timer at one minute; its requests counted and scaled to an hour. */
async function idleDaemon(scratch: string, server: WebDavServer): Promise<string> {
  const proxy = await CountingProxy.start(server.url);
  const profile = join(scratch, 'idle-store.yaml');
  writeFileSync(
    profile,
    `profile:\n  name: Idle store\n  downloadIntervalMinutes: 1\n  uploadIntervalMinutes: 1\nchannel:\n  id: idle-store\nworkingFolder:\n  adapter: webdav\n  url: ${proxy.url}\n  username: ${server.username}\n  password: ${server.password}\nstateDirectory: ${join(scratch, 'idle-state')}\nlog:\n  level: warn\ndownload:\n  pollSeconds: 60\n`,
  );
  const daemon = spawn(process.execPath, [CLI, 'run', '--profile', profile], { stdio: 'ignore' });
  await sleep(IDLE_SECONDS * 1000);
  daemon.kill('SIGTERM');
  await new Promise((resolve) => daemon.once('exit', resolve));
  await proxy.close();
  // The start-up (preflight, first folder creations) is not idling.
  const first = proxy.requests.findIndex((request) => request.method === 'PROPFIND' && request.path.includes('/download/'));
  const idling = proxy.requests.slice(Math.max(0, first));
  const perHour = (count: number): string => ((count * 3600) / IDLE_SECONDS).toFixed(0);
  const methods = [...new Set(idling.map((request) => request.method))].sort();
  const rows = methods.map((method) => [method, perHour(idling.filter((request) => request.method === method).length)]);
  return markdownTable(
    ['idle store, every timer at 1 min, pick-up poll 60 s (real daemon)', 'requests per hour'],
    [...rows, ['all', perHour(idling.length)]],
  );
}

/**
 * 200 stores placed each way, each group in a process of its own (so that one group's timers
 * do not delay another's) and through its own counting proxy; per-second counts over the window.
 */
async function fleetProfiles(server: WebDavServer): Promise<string> {
  const groups = await Promise.all(
    (Object.keys(PLACINGS) as Placing[]).map(async (placing) => {
      const proxy = await CountingProxy.start(server.url);
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url), FLEET_FLAG, placing, proxy.url], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, BENCH_DAV_USERNAME: server.username, BENCH_DAV_PASSWORD: server.password },
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`the ${placing} fleet ended (exit ${code}) before it was placed`)));
      });
      return { placing, proxy, child };
    }),
  );
  const from = Date.now() + 60_000;
  await sleep(WINDOW_SECONDS * 1000 + 60_000);
  const rows = [];
  for (const { placing, proxy, child } of groups) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await proxy.close();
    const perSecond = secondsProfile(proxy.requests, from, WINDOW_SECONDS);
    const total = perSecond.reduce((sum, count) => sum + count, 0);
    const mean = total / perSecond.length;
    const peak = Math.max(...perSecond);
    rows.push([PLACINGS[placing], `${total}`, mean.toFixed(2), `${peak}`, (peak / mean).toFixed(2)]);
  }
  return markdownTable(
    [
      `${STORES} stores, both cycles every minute, ${WINDOW_SECONDS / 60} min on one server`,
      'requests',
      'mean per second',
      'peak per second',
      'peak / mean (target < 2)',
    ],
    rows,
  );
}

/**
 * One group's stores in this process until SIGTERM: real CycleSchedulers (croner), each store's
 * cycles making their quiet-cycle request (one listing of the area) through the real WebDAV
 * adapter. `ranked`: the daemon's own CyclePlacement, which lists the root through the adapter;
 * `hashed`: the offsets hashed from the channel id; `jitter`: one random start jitter for both
 * cycles, intervals counted from the start. Writes a line once every store is placed.
 */
async function storesProcess(placing: Placing, url: string): Promise<void> {
  const started = Date.now();
  const every = { kind: 'interval', minutes: 1 } as const;
  const credentials = { username: process.env.BENCH_DAV_USERNAME ?? '', password: process.env.BENCH_DAV_PASSWORD ?? '' };
  const running = storeNames().map(async (store) => {
    const folder = new WebDavWorkingFolder({ url, ...credentials, timeoutSeconds: 30 });
    const log = createLogger('silent');
    const scheduler = new CycleScheduler({ log, metrics: new DaemonMetrics(), clock: systemClock, onResult: () => undefined });
    const cycles = (['download', 'upload'] as Direction[]).map((direction) => ({
      direction,
      run: async () => {
        await folder.list(channelFolders(store)[direction]);
        return { outcome: 'idle' as const, summary: 'quiet' };
      },
    }));
    let placement: CyclePlacement | undefined;
    if (placing === 'ranked') {
      const profile = {
        profile: { name: store, downloadIntervalMinutes: 1, uploadIntervalMinutes: 1 },
        schedule: {},
        channel: { id: store, database: '' },
        daemon: { shutdownGraceSeconds: 5, startJitterSeconds: OLD_JITTER_SECONDS, journalRetentionDays: 90 },
      };
      placement = new CyclePlacement({ workingFolder: folder, profile: () => profile, log, clock: systemClock, scheduler, cycles });
      await placement.refresh();
    } else {
      const jitter = Math.floor(Math.random() * (OLD_JITTER_SECONDS + 1)) * 1000;
      const jittered = (Math.ceil((started + jitter) / 1000) * 1000) % 60_000;
      const hashed = storeOffsetsMs(store, { download: every, upload: every }, OLD_JITTER_SECONDS);
      for (const cycle of cycles) scheduler.set(cycle, every, placing === 'hashed' ? hashed[cycle.direction] : jittered);
    }
    return { folder, scheduler, placement };
  });
  const stores = await Promise.all(running);
  process.stdout.write('placed\n');
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  for (const { placement } of stores) placement?.stop();
  await Promise.all(stores.map(({ scheduler }) => scheduler.stop(5000)));
  await Promise.all(stores.map(({ folder }) => folder.close()));
}

function storeNames(): string[] {
  return Array.from({ length: STORES }, (_, index) => `store-${String(index).padStart(4, '0')}`);
}

/** Requests per second over `seconds` seconds from `from` (ms since the epoch). */
function secondsProfile(requests: readonly ProxiedRequest[], from: number, seconds: number): number[] {
  const counts = new Array<number>(seconds).fill(0);
  for (const request of requests) {
    const second = Math.floor((request.at - from) / 1000);
    if (second >= 0 && second < seconds) counts[second] = (counts[second] ?? 0) + 1;
  }
  return counts;
}
