/**
 * `fleet status` over BENCH_FLEET_STORES (2,000) generated store folders (issue 9), from a local
 * folder and over WebDAV on loopback (rclone serve webdav), through the CLI's own code. Target:
 * under 10 s each. Baseline, same run: the same requests with nothing else, a listing of each
 * store's download area and a read of its heartbeat at the same concurrency (node:fs locally,
 * plain PROPFIND and GET with fetch over WebDAV), so the ratio shows what the view itself costs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../src/cli/dispatch.js';
import { concurrently } from '../src/concurrently.js';
import { HEARTBEAT_FORMAT, HEARTBEAT_VERSION } from '../src/fleet/heartbeat.js';
import { startRcloneServer, stopServer } from './support/dav-servers.js';
import { markdownTable, runBenchmark, runPhase, scratchDirectory, type BenchPhase, type PhaseResult } from './support/phases.js';

const STORES = Number(process.env.BENCH_FLEET_STORES ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_FLEET_CONCURRENCY ?? 32);
const DAV_ENV = { url: 'BENCH_FLEET_DAV_URL', username: 'BENCH_FLEET_DAV_USER', password: 'BENCH_FLEET_DAV_PASSWORD' };
const NOW = Date.now();

const root = (): string => join(scratchDirectory(), 'exchange');
const storeId = (i: number): string => `store-${String(i + 1).padStart(5, '0')}`;

/** A fleet as HQ would find it: most stores fine, some behind, silent, Suspended, or never seen. */
function plantFleet(): void {
  for (let i = 0; i < STORES; i++) {
    const channel = storeId(i);
    const download = join(root(), channel, 'download');
    mkdirSync(join(download, 'status'), { recursive: true });
    mkdirSync(join(download, 'applied'), { recursive: true });
    const waiting = i % 10 === 0 ? [41, 42] : [];
    for (const sequence of waiting) writeFileSync(join(download, `${channel}_download_${String(sequence).padStart(12, '0')}.acpkg`), 'x');
    if (i % 50 === 7) continue;
    const heartbeat = {
      format: HEARTBEAT_FORMAT,
      formatVersion: HEARTBEAT_VERSION,
      channelId: channel,
      writtenAt: new Date(NOW - (i % 100 === 3 ? 600 : 2) * 60_000).toISOString(),
      clientVersion: '0.1.0',
      profile: { name: 'Store default', downloadIntervalMinutes: 15, uploadIntervalMinutes: 15 },
      hqProfile: { running: null, lastCheck: null },
      download: {
        schedule: 'every 15 minutes',
        last: null,
        nextRun: null,
        appliedThrough: 40,
        waitingCount: i % 200 === 11 ? 1 : 0,
        waiting: i % 200 === 11 ? [{ sequence: 41, status: 'Suspended', tries: 5, message: 'table "price" has no column "currency"' }] : [],
      },
      upload: {
        schedule: 'every 15 minutes',
        last: null,
        nextRun: null,
        lastSequence: 300,
        lastStatus: 'Uploaded',
        lastAt: null,
        failed: 0,
      },
    };
    writeFileSync(join(root(), channel, 'heartbeat.json'), JSON.stringify(heartbeat, null, 2));
  }
}

async function fleetStatus(location: string): Promise<Record<string, number>> {
  let output = '';
  const stdout = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      output += chunk.toString();
      done();
    },
  });
  const env = { ...process.env, ASYNC_CLIENT_WEBDAV_PASSWORD: process.env[DAV_ENV.password] ?? '' };
  const code = await main(['fleet', 'status', '--working-folder', location, '--json', '--concurrency', String(CONCURRENCY)], {
    stdout,
    stderr: process.stderr,
    env,
    cwd: scratchDirectory(),
  });
  const fleet = JSON.parse(output) as { stores: unknown[]; attention: number };
  return { exit: code, stores: fleet.stores.length, attention: fleet.attention };
}

function davUrl(): URL {
  const url = new URL(process.env[DAV_ENV.url] ?? '');
  url.username = process.env[DAV_ENV.username] ?? '';
  return url;
}

const phases: Record<string, BenchPhase> = {
  'fleet-local': () => fleetStatus(root()),
  async 'baseline-local'() {
    const channels = (await readdir(root())).sort();
    await concurrently(channels, CONCURRENCY, async (channel) => {
      await readdir(join(root(), channel, 'download'), { withFileTypes: true });
      await readFile(join(root(), channel, 'heartbeat.json')).catch(() => undefined);
    });
    return { stores: channels.length };
  },
  'fleet-webdav': () => {
    const url = davUrl();
    return fleetStatus(url.href);
  },
  async 'baseline-webdav'() {
    const base = new URL(process.env[DAV_ENV.url] ?? '');
    const authorization = `Basic ${Buffer.from(`${process.env[DAV_ENV.username]}:${process.env[DAV_ENV.password]}`).toString('base64')}`;
    const propfind = async (path: string): Promise<string> => {
      const response = await fetch(new URL(path, base), { method: 'PROPFIND', headers: { authorization, depth: '1' } });
      return response.text();
    };
    const listing = await propfind('');
    const channels = [...listing.matchAll(/<D:href>\/(store-\d+)\/<\/D:href>/gi)].map((match) => match[1] as string);
    await concurrently(channels, CONCURRENCY, async (channel) => {
      await propfind(`${channel}/download/`);
      await (await fetch(new URL(`${channel}/heartbeat.json`, base), { headers: { authorization } })).arrayBuffer();
    });
    return { stores: channels.length };
  },
};

/** Runs a WebDAV phase against a server started for it alone, so that its directory cache starts cold. */
async function runOnFreshServer(phase: string): Promise<PhaseResult> {
  const server = await startRcloneServer(root(), { cacheDirectories: true });
  process.env[DAV_ENV.url] = server.url;
  process.env[DAV_ENV.username] = server.username;
  process.env[DAV_ENV.password] = server.password;
  try {
    return runPhase(import.meta.url, phase);
  } finally {
    await stopServer(server.pid);
  }
}

async function runParent(): Promise<void> {
  plantFleet();
  const rows: string[][] = [];
  for (const [label, phase, baseline, remote] of [
    ['local folder', 'fleet-local', 'baseline-local', false],
    ['WebDAV on loopback (rclone)', 'fleet-webdav', 'baseline-webdav', true],
  ] as const) {
    const ours = remote ? await runOnFreshServer(phase) : runPhase(import.meta.url, phase);
    const raw = remote ? await runOnFreshServer(baseline) : runPhase(import.meta.url, baseline);
    if (raw.stores !== STORES) throw new Error(`${baseline} saw ${raw.stores} stores, not ${STORES}`);
    rows.push([
      label,
      `${ours.seconds.toFixed(2)} s`,
      `${raw.seconds.toFixed(2)} s`,
      `${(ours.seconds / raw.seconds).toFixed(2)}x`,
      `${ours.peakRssMb.toFixed(0)} MB`,
      `${ours.stores} stores, ${ours.attention} need someone`,
      '< 10 s',
    ]);
  }
  console.log(`hq-fleet: fleet status over ${STORES} store folders, ${CONCURRENCY} at once (node ${process.version})\n`);
  console.log(
    markdownTable(['working folder', 'fleet status', 'baseline (listing + heartbeat read)', 'ratio', 'peak RSS', 'result', 'target'], rows),
  );
}

await runBenchmark('hq-fleet', phases, runParent);
