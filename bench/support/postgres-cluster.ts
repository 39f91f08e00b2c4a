import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * The throwaway PostgreSQL clusters of the tests and benchmarks. Jest's globalSetup loads this
 * file too, outside jest's module map, where a sibling `./x.js` does not resolve: it imports
 * only Node's own modules.
 */

const STARTUP_LIMIT_MS = 30_000;

/** A throwaway PostgreSQL cluster: its own data folder, a loopback port, no system service. */
export interface PostgresCluster {
  /** Superuser connection URL, password included. */
  readonly url: string;
  readonly port: number;
  readonly password: string;
  /** Holds the data folder and the Unix socket; removed on stop. */
  readonly folder: string;
  readonly pid: number;
  /** `-c` settings the server runs with. */
  readonly settings: Readonly<Record<string, string>>;
}

/**
 * initdb and postgres refuse to run as root, which the tests are (they mount tmpfs): as root
 * they run as `nobody`, in a folder handed to it.
 */
const NOBODY = 65534;

function serverOwner(): { uid?: number; gid?: number } {
  return process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
}

/**
 * `initdb` in a temp folder and `postgres` on a free loopback port, password auth over TCP.
 * Durability is off (fsync): a test cluster dies with its run. `settings` adds `-c` options.
 * The caller finds the free port (dav-servers.ts's freePort).
 */
export async function startPostgresCluster(port: number, settings: Readonly<Record<string, string>> = {}): Promise<PostgresCluster> {
  const bin = postgresBinFolder();
  const folder = await mkdtemp(path.join(tmpdir(), 'async-client-postgres-'));
  const owner = serverOwner();
  const password = 'test-superuser-pass';
  const data = path.join(folder, 'data');
  const passwordFile = path.join(folder, 'superuser-password');
  await writeFile(passwordFile, password);
  if (owner.uid !== undefined && owner.gid !== undefined) {
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
  const cluster = { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, port, password, folder, pid: -1, settings };
  try {
    return await startPostgresServer(cluster);
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}

/** Starts the cluster's server (again, after stopPostgresServer) on its port; the returned cluster has the new PID. */
export async function startPostgresServer(cluster: PostgresCluster): Promise<PostgresCluster> {
  const { port, folder } = cluster;
  const options = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: folder,
    fsync: 'off',
    full_page_writes: 'off',
    ...cluster.settings,
  };
  const args = [
    '-D',
    path.join(folder, 'data'),
    '-p',
    String(port),
    ...Object.entries(options).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
  ];
  const child = spawn(path.join(postgresBinFolder(), 'postgres'), args, { ...serverOwner(), stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.unref();
  const started = { ...cluster, pid: child.pid ?? -1 };
  for (let waited = 0; ; waited += 100) {
    const ready = spawnSync(path.join(postgresBinFolder(), 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)]);
    if (ready.status === 0) return started;
    if (child.exitCode !== null || waited >= STARTUP_LIMIT_MS) {
      await stopPostgresServer(started);
      throw new Error(`postgres did not start on port ${port}: ${output}`);
    }
    await sleep(100);
  }
}

/** Stops the server by its PID (fast shutdown: sessions are ended) and waits until it is gone; the data stays. */
export async function stopPostgresServer(cluster: Pick<PostgresCluster, 'pid'>): Promise<void> {
  if (!signal(cluster.pid, 'SIGINT')) return;
  for (let waited = 0; signal(cluster.pid, 0); waited += 20) {
    if (waited === 10_000) signal(cluster.pid, 'SIGKILL');
    await sleep(20);
  }
}

/** Stops the server and removes the cluster's folder. */
export async function stopPostgresCluster(cluster: Pick<PostgresCluster, 'pid' | 'folder'>): Promise<void> {
  await stopPostgresServer(cluster);
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

/** Sends a signal; false when the process is already gone. */
function signal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}
