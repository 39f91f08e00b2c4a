import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * Jest loads this file with require() outside its module map, where `./x.js` does not
 * resolve to `./x.ts`: it may import only Node's own modules. Test files reach the server
 * through ./webdav-server.ts.
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
 * Starts one server for the whole run and leaves `globalThis.stopTestWebDavServer` for
 * global-teardown.ts. If rclone is missing, only the tests that need the server fail,
 * each with the reason.
 */
export default async function globalSetup(): Promise<void> {
  try {
    const server = await startWebDavServer(await mkdtemp(path.join(tmpdir(), 'async-client-webdav-')));
    process.env[WEBDAV_ENV.url] = server.url;
    process.env[WEBDAV_ENV.root] = server.root;
    process.env[WEBDAV_ENV.username] = server.username;
    process.env[WEBDAV_ENV.password] = server.password;
    globalThis.stopTestWebDavServer = async () => {
      await stopWebDavServer(server.pid);
      await rm(server.root, { recursive: true, force: true });
    };
  } catch (error) {
    process.env[WEBDAV_ENV.startError] = error instanceof Error ? error.message : String(error);
    process.stderr.write(`\nglobalSetup: ${process.env[WEBDAV_ENV.startError]}\n`);
  }
}

declare global {
  var stopTestWebDavServer: (() => Promise<void>) | undefined;
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
