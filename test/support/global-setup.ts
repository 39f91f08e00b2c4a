import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * Jest loads this file with require() outside its module map, where `./x.js` does not
 * resolve to `./x.ts`: it may import only Node's own modules. Test files reach the server
 * through ./webdav-server.ts and ./postgres-server.ts.
 */

/** A real WebDAV server for tests: `rclone serve webdav` (Debian package `rclone`) over a local folder. */
export interface WebDavServer {
  /** Base URL, ending in `/`. */
  readonly url: string;
  /** The local folder the server serves, for checking on disk what the server did. */
  readonly root: string;
  readonly username: string;
  readonly password: string;
  readonly pid: number;
}

/** How the run's shared server reaches the test workers, which inherit this process's environment. */
export const WEBDAV_ENV = {
  url: 'ASYNC_CLIENT_TEST_WEBDAV_URL',
  root: 'ASYNC_CLIENT_TEST_WEBDAV_ROOT',
  username: 'ASYNC_CLIENT_TEST_WEBDAV_USER',
  password: 'ASYNC_CLIENT_TEST_WEBDAV_PASS',
  startError: 'ASYNC_CLIENT_TEST_WEBDAV_ERROR',
} as const;

const STARTUP_LIMIT_MS = 15_000;

/**
 * Starts one WebDAV server and one PostgreSQL cluster for the whole run and leaves
 * `globalThis.stopTestServers` for global-teardown.ts. If rclone or PostgreSQL is missing,
 * only the tests that need it fail, each with the reason.
 */
export default async function globalSetup(): Promise<void> {
  const stops: (() => Promise<void>)[] = [];
  globalThis.stopTestServers = async () => {
    await Promise.allSettled(stops.map((stop) => stop()));
  };
  try {
    const server = await startWebDavServer(await mkdtemp(path.join(tmpdir(), 'async-client-webdav-')));
    process.env[WEBDAV_ENV.url] = server.url;
    process.env[WEBDAV_ENV.root] = server.root;
    process.env[WEBDAV_ENV.username] = server.username;
    process.env[WEBDAV_ENV.password] = server.password;
    stops.push(async () => {
      await stopWebDavServer(server.pid);
      await rm(server.root, { recursive: true, force: true });
    });
  } catch (error) {
    process.env[WEBDAV_ENV.startError] = error instanceof Error ? error.message : String(error);
    process.stderr.write(`\nglobalSetup: ${process.env[WEBDAV_ENV.startError]}\n`);
  }
  try {
    const cluster = await startPostgresCluster();
    process.env[POSTGRES_ENV.url] = cluster.url;
    stops.push(() => stopPostgresCluster(cluster));
  } catch (error) {
    process.env[POSTGRES_ENV.startError] = error instanceof Error ? error.message : String(error);
    process.stderr.write(`\nglobalSetup: ${process.env[POSTGRES_ENV.startError]}\n`);
  }
}

declare global {
  var stopTestServers: (() => Promise<void>) | undefined;
}

export async function startWebDavServer(root: string, options: { readOnly?: boolean } = {}): Promise<WebDavServer> {
  const port = await freePort();
  const username = 'store';
  const password = 'secret-test-pass';
  // No directory cache: tests put files straight into `root`, as HQ would on a shared disk.
  const args = ['serve', 'webdav', root, '--addr', `127.0.0.1:${port}`, '--user', username, '--pass', password, '--dir-cache-time', '0s'];
  if (options.readOnly === true) args.push('--read-only');
  const child = spawn('rclone', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`${error.message} (is rclone installed? apt-get install -y rclone)`));
    child.once('exit', (code, signal) => resolve(`exited with ${code ?? signal}: ${output}`));
  });
  child.unref();
  const server = { url: `http://127.0.0.1:${port}/`, root, username, password, pid: child.pid ?? -1 };
  const failure = await Promise.race([waitUntilAnswering(server), exited]);
  if (failure !== undefined) {
    if (child.pid !== undefined) await stopWebDavServer(child.pid);
    throw new Error(`rclone serve webdav did not start: ${failure}`);
  }
  return server;
}

/** Stops a server by its PID and waits until the process is gone. */
export async function stopWebDavServer(pid: number): Promise<void> {
  if (!signal(pid, 'SIGTERM')) return;
  for (let waited = 0; signal(pid, 0); waited += 20) {
    if (waited === 5000) signal(pid, 'SIGKILL');
    await sleep(20);
  }
}

async function waitUntilAnswering(server: WebDavServer): Promise<undefined> {
  const authorization = `Basic ${Buffer.from(`${server.username}:${server.password}`).toString('base64')}`;
  for (let waited = 0; waited < STARTUP_LIMIT_MS; waited += 50) {
    try {
      const response = await fetch(server.url, { method: 'PROPFIND', headers: { Depth: '0', Authorization: authorization } });
      await response.arrayBuffer();
      if (response.status === 207) return undefined;
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  throw new Error(`no answer at ${server.url} within ${STARTUP_LIMIT_MS / 1000} s`);
}

/** A throwaway PostgreSQL cluster: its own data folder, a loopback port, no system service. */
export interface PostgresCluster {
  /** Superuser connection URL, password included. */
  readonly url: string;
  readonly port: number;
  readonly password: string;
  /** Holds the data folder and the Unix socket; removed on stop. */
  readonly folder: string;
  readonly pid: number;
}

/** How the run's shared cluster reaches the test workers. */
export const POSTGRES_ENV = {
  url: 'ASYNC_CLIENT_TEST_POSTGRES_URL',
  startError: 'ASYNC_CLIENT_TEST_POSTGRES_ERROR',
} as const;

/**
 * initdb and postgres refuse to run as root, which the tests are (they mount tmpfs): as root
 * they run as `nobody`, in a folder handed to it.
 */
const NOBODY = 65534;

/**
 * `initdb` in a temp folder and `postgres` on a free loopback port, password auth over TCP.
 * Durability is off (fsync): a test cluster dies with its run. `settings` adds `-c` options.
 */
export async function startPostgresCluster(settings: Readonly<Record<string, string>> = {}): Promise<PostgresCluster> {
  const bin = postgresBinFolder();
  const folder = await mkdtemp(path.join(tmpdir(), 'async-client-postgres-'));
  const owner = process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
  const password = 'test-superuser-pass';
  const data = path.join(folder, 'data');
  const passwordFile = path.join(folder, 'superuser-password');
  await writeFile(passwordFile, password);
  if (owner.uid !== undefined) {
    await chown(folder, owner.uid, owner.gid);
    await chown(passwordFile, owner.uid, owner.gid);
  }
  const init = spawnSync(
    path.join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      'postgres',
      `--pwfile=${passwordFile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=trust',
      '-E',
      'UTF8',
      '--no-locale',
    ],
    { ...owner, encoding: 'utf8' },
  );
  if (init.status !== 0) {
    await rm(folder, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.error?.message ?? `exit ${init.status}`}): ${init.stderr}`);
  }
  const port = await freePort();
  const options = { listen_addresses: '127.0.0.1', unix_socket_directories: folder, fsync: 'off', full_page_writes: 'off', ...settings };
  const args = ['-D', data, '-p', String(port), ...Object.entries(options).flatMap(([key, value]) => ['-c', `${key}=${value}`])];
  const child = spawn(path.join(bin, 'postgres'), args, { ...owner, stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.unref();
  const cluster = { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, port, password, folder, pid: child.pid ?? -1 };
  for (let waited = 0; ; waited += 100) {
    const ready = spawnSync(path.join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)]);
    if (ready.status === 0) return cluster;
    if (child.exitCode !== null || waited >= STARTUP_LIMIT_MS) {
      await stopPostgresCluster(cluster);
      throw new Error(`postgres did not start on port ${port}: ${output}`);
    }
    await sleep(100);
  }
}

/** Stops the cluster by its PID (fast shutdown), waits until it is gone, and removes its folder. */
export async function stopPostgresCluster(cluster: Pick<PostgresCluster, 'pid' | 'folder'>): Promise<void> {
  if (signal(cluster.pid, 'SIGINT')) {
    for (let waited = 0; signal(cluster.pid, 0); waited += 20) {
      if (waited === 10_000) signal(cluster.pid, 'SIGKILL');
      await sleep(20);
    }
  }
  await rm(cluster.folder, { recursive: true, force: true });
}

/** The newest installed server's programs (Debian's postgresql package puts them there). */
function postgresBinFolder(): string {
  const root = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  } catch {
    // None installed.
  }
  const version = versions[0];
  if (version === undefined) throw new Error(`no PostgreSQL server under ${root}: apt-get install -y postgresql`);
  return path.join(root, version, 'bin');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/** Sends a signal; false when the process is already gone. */
function signal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}
