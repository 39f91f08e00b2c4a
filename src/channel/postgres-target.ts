import { readFile } from 'node:fs/promises';
import type { ClientConfig } from 'pg';
import { AsyncClientError, errorMessage } from '../errors.js';

export type PostgresSslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

/** Where the PostgreSQL channel database is and how to log in; the password itself never sits here. */
export interface PostgresTarget {
  /** `postgres://user@host:port/database`; the fields below override its parts. */
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly database?: string;
  readonly user?: string;
  /** The password, read by the profile loader from its file or variable; without it, PGPASSWORD. */
  readonly password?: string;
  /** The schema of the store's tables; default `public`. */
  readonly schema?: string;
  /** The schema of the session journal; default `async_client`. */
  readonly journalSchema?: string;
  /** As libpq's sslmode; default `disable` (a store server on the same machine or LAN). */
  readonly sslmode?: PostgresSslMode;
  /** The CA certificate that signed the server's, for `verify-ca` and `verify-full`. */
  readonly caFile?: string;
}

export const DEFAULT_SCHEMA = 'public';
export const DEFAULT_JOURNAL_SCHEMA = 'async_client';

interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

function endpoint(target: PostgresTarget): Endpoint {
  const url = target.url === undefined ? undefined : new URL(target.url);
  return {
    host: target.host ?? (url?.hostname || 'localhost'),
    port: target.port ?? (url?.port ? Number(url.port) : 5432),
    database: target.database ?? (decodeURIComponent(url?.pathname.slice(1) ?? '') || 'postgres'),
    user: target.user ?? (decodeURIComponent(url?.username ?? '') || 'postgres'),
  };
}

/** How an operator recognises the database in logs and status: no password, ever. */
export function describeTarget(target: PostgresTarget): string {
  const { host, port, database, user } = endpoint(target);
  return `postgres://${encodeURIComponent(user)}@${host}:${port}/${encodeURIComponent(database)}`;
}

/** The driver's settings, with the CA certificate for verified TLS; a password in the URL is refused. */
export async function clientConfig(target: PostgresTarget): Promise<ClientConfig> {
  const { host, port, database, user } = endpoint(target);
  const config: ClientConfig = { host, port, database, user, ssl: await sslConfig(target) };
  if (target.password !== undefined) config.password = target.password;
  else if (target.url !== undefined && new URL(target.url).password !== '') {
    throw new AsyncClientError(
      'E_DATABASE_SECRET_IN_PROFILE',
      'the channel database URL carries a password: move it to a file named by passwordFile, or to PGPASSWORD in the environment',
      { location: describeTarget(target) },
    );
  }
  return config;
}

async function sslConfig(target: PostgresTarget): Promise<ClientConfig['ssl']> {
  const mode = target.sslmode ?? 'disable';
  if (mode === 'disable') return false;
  if (mode === 'require') return { rejectUnauthorized: false };
  if (target.caFile === undefined) {
    throw new AsyncClientError('E_DATABASE_TLS', `sslmode ${mode} verifies the server's certificate: name the CA's certificate in caFile`, {
      location: describeTarget(target),
    });
  }
  const ca = await readSecret(target.caFile, 'CA certificate');
  return mode === 'verify-full' ? { ca, rejectUnauthorized: true } : { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
}

async function readSecret(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new AsyncClientError(
      'E_DATABASE_SECRET',
      `the channel database's ${what} ${file} cannot be read: ${errorMessage(error)}`,
      { file },
      { cause: error },
    );
  }
}
