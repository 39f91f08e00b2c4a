/**
 * What a fleet of stores costs HQ's WebDAV server (issue 11), against baselines in the same run:
 * 1. requests per store per hour when nothing happens: the real daemon (`async-client run`)
 *    over WebDAV, every timer at one minute, counted at a proxy for a few minutes and scaled
 *    to an hour;
 * 2. the per-second request profile of 200 stores on one server over 5 minutes: 200 real
 *    CycleSchedulers (croner) with each store's offsets, each cycle making its quiet-cycle
 *    request (one listing of its area) through the real WebDAV adapter, against the same 200
 *    stores as they were scheduled before (one random start jitter of up to 30 s per store, for
 *    both cycles, counted from the daemon's start), each group through its own counting proxy.
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
const CLI = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'src', 'cli', 'main.js');

await runBenchmark('fleet-load', {}, async (scratch) => {
  const root = join(scratch, 'dav');
  mkdirSync(root);
  const server = await startRcloneServer(root);
  try {
    const [idle, profiles] = await Promise.all([idleDaemon(scratch, server), fleetProfiles(root, server)]);
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

/** 200 stores' schedules, new and old, each group through its own proxy; per-second counts. */
async function fleetProfiles(root: string, server: WebDavServer): Promise<string> {
  const groups = { spread: await CountingProxy.start(server.url), jitter: await CountingProxy.start(server.url) };
  const stores = Array.from({ length: STORES }, (_, index) => `store-${String(index).padStart(4, '0')}`);
  for (const store of stores) {
    const folders = channelFolders(store);
    mkdirSync(join(root, folders.download), { recursive: true });
    mkdirSync(join(root, folders.upload), { recursive: true });
  }
  const every = { kind: 'interval', minutes: 1 } as const;
  const started = Date.now();
  const schedulers: CycleScheduler[] = [];
  const folders: WebDavWorkingFolder[] = [];
  for (const [group, proxy] of Object.entries(groups)) {
    for (const store of stores) {
      const folder = new WebDavWorkingFolder({ url: proxy.url, username: server.username, password: server.password, timeoutSeconds: 30 });
      folders.push(folder);
      const scheduler = new CycleScheduler({
        log: createLogger('silent'),
        metrics: new DaemonMetrics(),
        clock: systemClock,
        onResult: () => undefined,
      });
      schedulers.push(scheduler);
      // The old daemon counted its intervals from its start plus one random jitter, for both cycles.
      const jitter = Math.floor(Math.random() * (OLD_JITTER_SECONDS + 1)) * 1000;
      const oldOffsetMs = (Math.ceil((started + jitter) / 1000) * 1000) % 60_000;
      const spread = storeOffsetsMs(store, { download: every, upload: every }, OLD_JITTER_SECONDS);
      for (const direction of ['download', 'upload'] as Direction[]) {
        const area = channelFolders(store)[direction];
        const cycle = {
          direction,
          run: async () => {
            await folder.list(area);
            return { outcome: 'idle' as const, summary: 'quiet' };
          },
        };
        scheduler.set(cycle, every, group === 'spread' ? spread[direction] : oldOffsetMs);
      }
    }
  }
  await sleep(WINDOW_SECONDS * 1000 + 60_000);
  await Promise.all(schedulers.map((scheduler) => scheduler.stop(5000)));
  await Promise.all(folders.map((folder) => folder.close()));
  const rows = Object.entries(groups).map(([group, proxy]) => {
    const perSecond = secondsProfile(proxy.requests, started + 60_000, WINDOW_SECONDS);
    const mean = perSecond.reduce((sum, count) => sum + count, 0) / perSecond.length;
    const peak = Math.max(...perSecond);
    const label =
      group === 'spread'
        ? 'stable offset over the whole interval (this daemon)'
        : `one random start jitter ≤ ${OLD_JITTER_SECONDS} s (before)`;
    return [label, `${perSecond.reduce((sum, count) => sum + count, 0)}`, mean.toFixed(2), `${peak}`, (peak / mean).toFixed(2)];
  });
  await Promise.all(Object.values(groups).map((proxy) => proxy.close()));
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

/** Requests per second over `seconds` seconds from `from` (ms since the epoch). */
function secondsProfile(requests: readonly ProxiedRequest[], from: number, seconds: number): number[] {
  const counts = new Array<number>(seconds).fill(0);
  for (const request of requests) {
    const second = Math.floor((request.at - from) / 1000);
    if (second >= 0 && second < seconds) counts[second] = (counts[second] ?? 0) + 1;
  }
  return counts;
}
