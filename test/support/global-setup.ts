import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

type DavServers = typeof import('../../bench/support/dav-servers.js');
type PostgresClusters = typeof import('../../bench/support/postgres-cluster.js');

/*
 * Jest requires this file outside its module map, where `./x.js` does not resolve to `./x.ts`
 * but an extension-less require does: hence `require('../../bench/support/dav-servers')` instead of an import,
 * made only when jest runs the setup (test files import the constants below as ES modules,
 * where there is no `require`). Test files reach the servers through ./webdav-server.ts and
 * ./postgres-server.ts.
 */
function davServers(): DavServers {
  return require('../../bench/support/dav-servers') as DavServers;
}

function postgresClusters(): PostgresClusters {
  return require('../../bench/support/postgres-cluster') as PostgresClusters;
}

/** How the run's shared servers reach the test workers, which inherit this process's environment. */
export const WEBDAV_ENV = {
  url: 'ASYNC_CLIENT_TEST_WEBDAV_URL',
  root: 'ASYNC_CLIENT_TEST_WEBDAV_ROOT',
  username: 'ASYNC_CLIENT_TEST_WEBDAV_USER',
  password: 'ASYNC_CLIENT_TEST_WEBDAV_PASS',
  startError: 'ASYNC_CLIENT_TEST_WEBDAV_ERROR',
} as const;

/** The same for the shared Apache httpd (mod_dav, https with the run's throwaway CA, Basic authentication). */
export const APACHE_ENV = {
  url: 'ASYNC_CLIENT_TEST_APACHE_URL',
  root: 'ASYNC_CLIENT_TEST_APACHE_ROOT',
  /** Folder of the throwaway CA: ca.crt, server.*, client.* (see makeTestCa). */
  ca: 'ASYNC_CLIENT_TEST_APACHE_CA',
  startError: 'ASYNC_CLIENT_TEST_APACHE_ERROR',
} as const;

/** The same for the shared PostgreSQL cluster: its superuser URL. */
export const POSTGRES_ENV = {
  url: 'ASYNC_CLIENT_TEST_POSTGRES_URL',
  startError: 'ASYNC_CLIENT_TEST_POSTGRES_ERROR',
} as const;

type Stop = () => Promise<void>;

/**
 * Starts one rclone server, one Apache server and one PostgreSQL cluster for the whole run and leaves
 * `globalThis.stopTestServers` for global-teardown.ts. A server that cannot start fails
 * only the tests that need it, each with the reason.
 */
export default async function globalSetup(): Promise<void> {
  const servers = davServers();
  const stops: Stop[] = [];
  await start(WEBDAV_ENV.startError, () =>
    inTempFolder('async-client-webdav-', async (root) => {
      const server = await servers.startRcloneServer(root);
      process.env[WEBDAV_ENV.url] = server.url;
      process.env[WEBDAV_ENV.root] = server.root;
      process.env[WEBDAV_ENV.username] = server.username;
      process.env[WEBDAV_ENV.password] = server.password;
      return stopAndRemove(servers, server.pid, root);
    }),
  ).then((stop) => stop && stops.push(stop));
  await start(APACHE_ENV.startError, () =>
    inTempFolder('async-client-apache-', async (work) => {
      const ca = await servers.makeTestCa(path.join(work, 'ca'));
      const root = path.join(work, 'root');
      await mkdir(root);
      const server = await servers.startApacheServer(root, work, { ca });
      process.env[APACHE_ENV.url] = server.url;
      process.env[APACHE_ENV.root] = server.root;
      process.env[APACHE_ENV.ca] = path.dirname(ca.caFile);
      return stopAndRemove(servers, server.pid, work);
    }),
  ).then((stop) => stop && stops.push(stop));
  await start(POSTGRES_ENV.startError, async () => {
    const clusters = postgresClusters();
    const cluster = await clusters.startPostgresCluster(await servers.freePort());
    process.env[POSTGRES_ENV.url] = cluster.url;
    return () => clusters.stopPostgresCluster(cluster);
  }).then((stop) => stop && stops.push(stop));
  globalThis.stopTestServers = async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}

declare global {
  var stopTestServers: (() => Promise<void>) | undefined;
}

async function start(errorVariable: string, starter: () => Promise<Stop>): Promise<Stop | undefined> {
  try {
    return await starter();
  } catch (error) {
    process.env[errorVariable] = error instanceof Error ? error.message : String(error);
    process.stderr.write(`\nglobalSetup: ${process.env[errorVariable]}\n`);
    return undefined;
  }
}

/** Runs `starting` in a new temporary folder, removed again when the server does not start. */
async function inTempFolder(prefix: string, starting: (folder: string) => Promise<Stop>): Promise<Stop> {
  const folder = await mkdtemp(path.join(tmpdir(), prefix));
  try {
    return await starting(folder);
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}

function stopAndRemove(servers: DavServers, pid: number, folder: string): Stop {
  return async () => {
    await servers.stopServer(pid);
    await rm(folder, { recursive: true, force: true });
  };
}
