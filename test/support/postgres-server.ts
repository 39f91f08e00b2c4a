import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { PostgresTarget } from '../../src/channel/postgres-target.js';
import { POSTGRES_ENV } from './global-setup.js';

export { type PostgresCluster, startPostgresCluster, stopPostgresCluster } from '../../bench/support/postgres-cluster.js';

/** The run's shared cluster, as jest's globalSetup (global-setup.ts) started it: its superuser URL. */
export function sharedPostgresUrl(): string {
  const url = process.env[POSTGRES_ENV.url];
  if (url === undefined) {
    throw new Error(
      `No test PostgreSQL cluster: ${process.env[POSTGRES_ENV.startError] ?? 'jest globalSetup (test/support/global-setup.ts) did not run'}`,
    );
  }
  return url;
}

/** A fresh, empty database on a cluster for one test, reached as its superuser. */
export interface PostgresTestDatabase {
  /** How the adapter reaches it, as the superuser. */
  readonly target: PostgresTarget;
  /** Superuser URL of the database itself. */
  readonly url: string;
  readonly name: string;
  /** Runs SQL as the superuser in this database. */
  admin(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  cleanup(): Promise<void>;
}

/** Integers as numbers (counts, ids), numerics as their exact text, as the contract's portable reads expect. */
export const POS_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 ? (text: string) => Number(text) : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

export async function postgresTestDatabase(clusterUrl = sharedPostgresUrl()): Promise<PostgresTestDatabase> {
  const name = `test_${randomUUID().replaceAll('-', '')}`;
  const server = new pg.Client({ connectionString: clusterUrl });
  await server.connect();
  try {
    await server.query(`CREATE DATABASE ${name}`);
  } finally {
    await server.end();
  }
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  const admin = new pg.Pool({ connectionString: url.toString(), max: 2, types: POS_TYPES });
  admin.on('error', () => undefined);
  return {
    target: {
      host: url.hostname,
      port: Number(url.port),
      database: name,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    },
    url: url.toString(),
    name,
    admin: (sql, params) => admin.query(sql, params),
    async cleanup() {
      await admin.end();
      const dropper = new pg.Client({ connectionString: clusterUrl });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** Runs `sql` as the superuser from the cluster's own database: for what outlives a test database, or must not be reached by its settings. */
export async function onCluster(sql: string, clusterUrl = sharedPostgresUrl()): Promise<void> {
  const client = new pg.Client({ connectionString: clusterUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
