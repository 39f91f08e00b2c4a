import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { chownToApache, type TestCa, type WebDavServer } from '../../bench/support/dav-servers.js';
import { APACHE_ENV, WEBDAV_ENV } from './global-setup.js';

export {
  chownToApache,
  makeTestCa,
  signedCertificate,
  startApacheServer,
  startRcloneServer as startWebDavServer,
  stopServer as stopWebDavServer,
  type TestCa,
  type WebDavServer,
} from '../../bench/support/dav-servers.js';

/** A fresh empty folder on one of the run's shared servers, for one test; `localPath` is the same folder on disk. */
export interface WebDavTestFolder {
  readonly url: string;
  readonly localPath: string;
  readonly username: string;
  readonly password: string;
  cleanup(): Promise<void>;
}

/** A folder on the shared Apache, which speaks https only: its CA comes along. */
export interface ApacheTestFolder extends WebDavTestFolder {
  readonly ca: TestCa;
}

/** The run's shared rclone server, as jest's globalSetup (global-setup.ts) started it. */
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

export async function webDavTestFolder(): Promise<WebDavTestFolder> {
  return testFolderOn(sharedWebDavServer());
}

/** A fresh folder on the run's shared Apache httpd (mod_dav, https, Basic). */
export async function apacheTestFolder(): Promise<ApacheTestFolder> {
  const url = process.env[APACHE_ENV.url];
  const root = process.env[APACHE_ENV.root];
  const caFolder = process.env[APACHE_ENV.ca];
  if (url === undefined || root === undefined || caFolder === undefined) {
    throw new Error(
      `No test Apache server: ${process.env[APACHE_ENV.startError] ?? 'jest globalSetup (test/support/global-setup.ts) did not run'}`,
    );
  }
  const folder = await testFolderOn({ url, root, username: 'store', password: 'secret-test-pass' });
  await chownToApache(folder.localPath);
  return { ...folder, ca: testCaIn(caFolder) };
}

/** The files makeTestCa wrote into `folder`. */
export function testCaIn(folder: string): TestCa {
  const file = (name: string): string => path.join(folder, name);
  return {
    caFile: file('ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
  };
}

async function testFolderOn(server: Omit<WebDavServer, 'pid'>): Promise<WebDavTestFolder> {
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
