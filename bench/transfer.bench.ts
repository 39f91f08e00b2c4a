/**
 * WebDAV transfers over the store's link (issue 11), each against a baseline in the same run:
 * 1. GET and PUT of a 500 MB package through the adapter (the GET staged by the download's own
 *    StagingArea: streamed to a file, hashed in the same pass), against `curl` doing the same transfer to and from
 *    a file, on Apache httpd (mod_dav, https with its own CA, Basic) on loopback: time ratio and
 *    the adapter's peak RSS;
 * 2. a GET cut at 50 %: the bytes that crossed the link in total, resumed with Range within the
 *    stream or by the next cycle, against a server that ignores ranges (which must send the
 *    whole file again).
 * Every measured adapter phase runs in its own process (bench/support/phases.ts) for a clean peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createReadStream, mkdirSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { StagingArea } from '../src/download/staging.js';
import { WebDavWorkingFolder } from '../src/workfolder/webdav.js';
import { CountingProxy } from './support/counting-proxy.js';
import { makeTestCa, startApacheServer, startRcloneServer, stopServer } from './support/dav-servers.js';
import { markdownTable, runBenchmark, runPhasesMedian, scratchDirectory, type PhaseResult } from './support/phases.js';

const MB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_TRANSFER_MB ?? 500) * MB;
const RESUME_SIZE = 100 * MB;
const ROUNDS = 3;
const ENV = { url: 'BENCH_DAV_URL', ca: 'BENCH_DAV_CA', user: 'BENCH_DAV_USER', pass: 'BENCH_DAV_PASS' } as const;

function folder(): WebDavWorkingFolder {
  return new WebDavWorkingFolder({
    url: process.env[ENV.url] ?? '',
    username: process.env[ENV.user] ?? '',
    password: process.env[ENV.pass] ?? '',
    timeoutSeconds: 60,
    tls: { caFile: process.env[ENV.ca] ?? '' },
  });
}

function curl(...args: string[]): void {
  const credentials = `${process.env[ENV.user]}:${process.env[ENV.pass]}`;
  execFileSync('curl', ['-sS', '--fail', '--cacert', process.env[ENV.ca] ?? '', '-u', credentials, ...args]);
}

const bigFile = (): string => join(scratchDirectory(), 'root', 'big.bin');

await runBenchmark(
  'transfer',
  {
    'get-curl': async () => {
      curl('-o', join(scratchDirectory(), 'curl.out'), `${process.env[ENV.url]}big.bin`);
      return { bytes: SIZE };
    },
    'get-adapter': async () => {
      const dav = folder();
      const entry = await dav.stat('big.bin');
      if (entry === undefined) throw new Error('big.bin is not listed');
      const staging = new StagingArea(join(scratchDirectory(), 'staging'));
      await staging.sweep([entry]);
      const staged = await staging.stage(dav, entry);
      await dav.close();
      rmSync(staged.path);
      return { bytes: staged.size };
    },
    'put-curl': async () => {
      curl('-T', bigFile(), `${process.env[ENV.url]}put-curl.bin`);
      return { bytes: SIZE };
    },
    'put-adapter': async () => {
      const dav = folder();
      await dav.writeAtomic('put-adapter.bin', createReadStream(bigFile(), { highWaterMark: 256 * 1024 }));
      await dav.close();
      return { bytes: SIZE };
    },
  },
  async (scratch) => {
    const root = join(scratch, 'root');
    mkdirSync(root);
    writeRandomFile(join(root, 'big.bin'), SIZE);
    const ca = await makeTestCa(join(scratch, 'ca'));
    const apache = await startApacheServer(root, scratch, { ca });
    process.env[ENV.url] = apache.url;
    process.env[ENV.ca] = ca.caFile;
    process.env[ENV.user] = apache.username;
    process.env[ENV.pass] = apache.password;
    try {
      const get = runPhasesMedian(import.meta.url, ['get-curl', 'get-adapter'], ROUNDS);
      const put = runPhasesMedian(import.meta.url, ['put-curl', 'put-adapter'], ROUNDS);
      printTransfers(get, put);
    } finally {
      await stopServer(apache.pid);
    }
    await printResume(scratch);
  },
);

function printTransfers(get: Map<string, PhaseResult>, put: Map<string, PhaseResult>): void {
  const row = (what: string, results: Map<string, PhaseResult>, prefix: string): string[] => {
    const baseline = results.get(`${prefix}-curl`) as PhaseResult;
    const adapter = results.get(`${prefix}-adapter`) as PhaseResult;
    const mbps = (result: PhaseResult): string => (SIZE / MB / result.seconds).toFixed(0);
    return [
      what,
      `${adapter.seconds.toFixed(2)} s (${mbps(adapter)} MB/s)`,
      `${baseline.seconds.toFixed(2)} s (${mbps(baseline)} MB/s)`,
      `${(baseline.seconds / adapter.seconds).toFixed(2)}x`,
      `${adapter.peakRssMb.toFixed(0)} MB`,
    ];
  };
  process.stdout.write(
    `${markdownTable(
      [
        `${SIZE / MB} MB over https (Apache mod_dav)`,
        'adapter',
        'curl (same run)',
        'speed vs curl (target ≥ 0.9x)',
        'adapter peak RSS (target < 100 MB)',
      ],
      [row('GET (streamed to a file, SHA-256 in the same pass)', get, 'get'), row('PUT (temporary name, then MOVE)', put, 'put')],
    )}\n\nMedian of ${ROUNDS} interleaved runs each.\n\n`,
  );
}

/**
 * The GET cut at half its bytes and staged as the download does: resumed within the stream; or,
 * the link staying down past the stream's retries, by the next cycle from the partial copy;
 * against a server that ignores ranges (which sends the whole file again).
 */
async function printResume(scratch: string): Promise<void> {
  const root = join(scratch, 'rclone');
  mkdirSync(root);
  writeRandomFile(join(root, 'pkg.bin'), RESUME_SIZE);
  // A validator is strong only for a file older than a second.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const rclone = await startRcloneServer(root);
  const rows: string[][] = [];
  const cases = [
    { label: 'resumed with Range within the stream (this adapter)', ignoreRanges: false, downPastRetries: false },
    { label: 'link down past the retries, next cycle resumes (this adapter)', ignoreRanges: false, downPastRetries: true },
    { label: 'server ignores Range (sends all again)', ignoreRanges: true, downPastRetries: false },
  ];
  try {
    for (const { label, ignoreRanges, downPastRetries } of cases) {
      const proxy = await CountingProxy.start(rclone.url);
      proxy.ignoreRanges = ignoreRanges;
      proxy.cutNext('GET', RESUME_SIZE / 2);
      if (downPastRetries) {
        proxy.holdNextRange(async () => {
          proxy.down = true;
        });
      }
      const dav = new WebDavWorkingFolder({ url: proxy.url, username: rclone.username, password: rclone.password, timeoutSeconds: 30 });
      const entry = await dav.stat('pkg.bin');
      if (entry === undefined) throw new Error('pkg.bin is not listed');
      const staging = new StagingArea(join(scratch, 'staging'));
      await staging.sweep([entry]);
      const firstCycle = await staging.stage(dav, entry).catch(() => undefined);
      proxy.down = false;
      await staging.sweep([entry]);
      const staged = firstCycle ?? (await staging.stage(dav, entry));
      await dav.close();
      await staging.discard(staged);
      const gets = proxy.requests.filter((request) => request.method === 'GET');
      const crossed = gets.reduce((sum, request) => sum + request.responseBytes, 0);
      await proxy.close();
      if (staged.size !== RESUME_SIZE) throw new Error(`${label}: got ${staged.size} bytes`);
      rows.push([label, `${gets.length}`, `${(crossed / MB).toFixed(1)} MB`, `${(crossed / RESUME_SIZE).toFixed(2)}x`]);
    }
  } finally {
    await stopServer(rclone.pid);
    rmSync(root, { recursive: true, force: true });
  }
  process.stdout.write(
    `${markdownTable([`GET of ${RESUME_SIZE / MB} MB cut at 50 % (rclone)`, 'GET requests answered', 'bytes over the link', 'vs the file'], rows)}\n`,
  );
}

function writeRandomFile(file: string, size: number): void {
  const chunk = Buffer.alloc(4 * MB);
  const fd = openSync(file, 'w');
  try {
    for (let written = 0; written < size; written += chunk.length)
      writeSync(fd, randomFillSync(chunk), 0, Math.min(chunk.length, size - written));
  } finally {
    closeSync(fd);
  }
}
