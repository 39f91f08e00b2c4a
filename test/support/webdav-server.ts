import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { WEBDAV_ENV, type WebDavServer } from './global-setup.js';

export { startWebDavServer, stopWebDavServer, type WebDavServer } from './global-setup.js';

/** The run's shared server, as jest's globalSetup (global-setup.ts) started it. */
function sharedWebDavServer(): Omit<WebDavServer, 'pid'> {
  const url = process.env[WEBDAV_ENV.url];
  const root = process.env[WEBDAV_ENV.root];
  if (url === undefined || root === undefined) {
    throw new Error(
      `No test WebDAV server: ${process.env[WEBDAV_ENV.startError] ?? 'jest globalSetup (test/support/global-setup.ts) did not run'}`,
    );
  }
  return { url, root, username: process.env[WEBDAV_ENV.username] ?? '', password: process.env[WEBDAV_ENV.password] ?? '' };
}

/** A fresh empty folder on the shared server, for one test; `localPath` is the same folder on disk. */
export interface WebDavTestFolder {
  readonly url: string;
  readonly localPath: string;
  readonly username: string;
  readonly password: string;
  cleanup(): Promise<void>;
}

export async function webDavTestFolder(): Promise<WebDavTestFolder> {
  const server = sharedWebDavServer();
  await mkdir(server.root, { recursive: true });
  const localPath = await mkdtemp(path.join(server.root, 'test-'));
  return {
    url: `${server.url}${encodeURIComponent(path.basename(localPath))}/`,
    localPath,
    username: server.username,
    password: server.password,
    cleanup: () => rm(localPath, { recursive: true, force: true }),
  };
}
