import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../bench/support/dav-servers.js';
import {
  type PostgresCluster,
  startPostgresCluster,
  startPostgresServer,
  stopPostgresCluster,
  stopPostgresServer,
} from '../../bench/support/postgres-cluster.js';
import type { ChannelEngine } from './engines.js';
import { openPostgresSubject } from './postgres-subject.js';

/** A PostgreSQL cluster of a suite's own, for the tests that stop or crash the server under the daemon. */
export interface OwnCluster {
  /** Opens its fresh databases on this cluster. */
  readonly engine: ChannelEngine;
  /** The running server, as started last. */
  readonly url: string;
  /** A fast shutdown: sessions are ended, what was committed stays. */
  stop(): Promise<void>;
  /** An immediate stop: every server process quits at once, writing nothing more; the next start recovers. */
  crash(): Promise<void>;
  /** Starts the server again on the same data and port. */
  start(): Promise<void>;
}

/** In a describe: a cluster started before its tests (with `settings` as `-c` options) and removed after them. */
export function useOwnCluster(settings: Readonly<Record<string, string>> = {}): OwnCluster {
  let cluster: PostgresCluster | undefined;
  const current = (): PostgresCluster => {
    if (cluster === undefined) throw new Error('the cluster runs only while its suite does');
    return cluster;
  };
  beforeAll(async () => {
    cluster = await startPostgresCluster(await freePort(), settings);
  });
  afterAll(async () => {
    if (cluster !== undefined) await stopPostgresCluster(cluster);
  });
  return {
    engine: { name: 'PostgreSQL', open: (channelId) => openPostgresSubject({ channelId }, current().url) },
    get url() {
      return current().url;
    },
    stop: () => stopPostgresServer(current()),
    async crash() {
      const { pid } = current();
      process.kill(pid, 'SIGQUIT');
      while (isAlive(pid)) await sleep(20);
    },
    async start() {
      cluster = await startPostgresServer(current());
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
