import pg from 'pg';
import { isConnectionLoss, translatePostgresError } from './postgres-errors.js';
import { Serial } from './serial.js';

/** Every value comes back as the server's text: integers past 2^53, numerics and timestamps stay exact. */
const RAW_TEXT: pg.CustomTypesConfig = { getTypeParser: () => (value: string) => value };

export type Row = Record<string, string | null>;

export interface PostgresSettings {
  /** How long a statement waits for a lock the POS holds before E_DATABASE_BUSY. */
  readonly lockTimeoutMs: number;
  /** A statement running longer fails with E_DATABASE_TIMEOUT; 0 means none. */
  readonly statementTimeoutMs: number;
  /** Every transaction read-only: writes fail with E_DATABASE_READONLY. */
  readonly readonly: boolean;
}

/**
 * The connections every PostgreSQL part shares: a pool of at most three (the journal and
 * applies, upload reads, the upload planner's look at running transactions), all in UTC with
 * ISO dates, every value as text. Journal and apply work runs one piece at a time, as on SQLite,
 * so that the daemon never deadlocks itself.
 */
export class PostgresConnection {
  private readonly pool: pg.Pool;
  private readonly serial = new Serial();

  constructor(
    config: pg.ClientConfig,
    settings: PostgresSettings,
    readonly location: string,
    readonly journalSchema: string,
    readonly schema: string,
    readonly channelId: string,
    readonly now: () => Date,
  ) {
    this.pool = new pg.Pool({
      ...config,
      max: 3,
      types: RAW_TEXT,
      application_name: 'async-client',
      options: [
        '-c TimeZone=UTC -c DateStyle=ISO',
        // A large package's stage stays in memory (the default 8 MB spills it to disk); taken only as used.
        '-c temp_buffers=256MB',
        `-c lock_timeout=${settings.lockTimeoutMs} -c statement_timeout=${settings.statementTimeoutMs}`,
        settings.readonly ? '-c default_transaction_read_only=on' : '',
      ].join(' '),
      connectionTimeoutMillis: 10_000,
      // A commit we report (Applied, a moved watermark) must survive a server crash: under a
      // server's synchronous_commit=off it returns before it is on disk. Every other level flushes
      // locally first, and a stronger one (a standby's) is kept.
      verify: (client, done) => {
        client
          .query("SELECT set_config('synchronous_commit', 'local', false) WHERE current_setting('synchronous_commit') = 'off'")
          .then(() => done(), done);
      },
    });
    // An idle connection the server dropped: the next checkout opens a new one.
    this.pool.on('error', () => undefined);
  }

  /** Runs `work` alone on a connection; database errors become ours, naming `where`. */
  exclusive<T>(where: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.serial.run(() => this.withClient(where, work));
  }

  /** Runs `work` in one transaction, alone: committed when it returns, rolled back when it throws. */
  write<T>(where: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.exclusive(where, (client) => inTransaction(client, 'BEGIN', work));
  }

  /** A connection of its own, beside the serial work (upload reads); translated errors, broken ones discarded. */
  async withClient<T>(where: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient | undefined;
    let broken = false;
    // A connection lost mid-work is also emitted as an event; the failing query reports it.
    const ignore = (): void => undefined;
    try {
      client = await this.pool.connect();
      client.on('error', ignore);
      return await work(client);
    } catch (error) {
      broken = isConnectionLoss(error);
      throw translatePostgresError(error, this.location, where);
    } finally {
      client?.off('error', ignore);
      client?.release(broken);
    }
  }

  /** Waits for work in flight, then closes every connection. */
  close(): Promise<void> {
    return this.serial.run(() => (this.pool.ended ? undefined : this.pool.end()));
  }
}

/** BEGIN (as given), `work`, COMMIT; ROLLBACK when anything throws, unless the connection is gone. */
export async function inTransaction<T>(client: pg.PoolClient, begin: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  await client.query(begin);
  try {
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (!isConnectionLoss(error)) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** A PostgreSQL identifier, quoted: table and column names come from packages and profiles. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `schema.name`, both quoted. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}
