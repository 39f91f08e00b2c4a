import pg from 'pg';
import { HOLD_WRITE_LOCK, POS_WRITER, SqliteProcess } from './sqlite-processes.js';
import type { ChannelDatabaseSubject } from './subject.js';

/**
 * The POS's own sessions on a subject's database, on either engine, for the tests that run on
 * both: on SQLite each is a process of its own (sqlite-processes.ts); on PostgreSQL a session of
 * its own on the server.
 */

/** A superuser URL of a PostgreSQL subject's database; undefined for SQLite. */
function postgresUrl(subject: ChannelDatabaseSubject): string | undefined {
  const { setting } = subject;
  if (typeof setting === 'string') return undefined;
  const { user, password = '', host, port, database } = setting;
  return `postgres://${encodeURIComponent(user ?? '')}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(database ?? '')}`;
}

/**
 * Takes the lock an apply's writes to `table` need and holds it until the returned release:
 * SQLite's write lock (the whole file), PostgreSQL's EXCLUSIVE lock on the table (reads go on).
 */
export async function holdWriteLock(subject: ChannelDatabaseSubject, table: string): Promise<() => Promise<void>> {
  const url = postgresUrl(subject);
  if (url === undefined) {
    const holder = SqliteProcess.start(HOLD_WRITE_LOCK, subject.setting as string);
    if ((await holder.nextLine()) !== 'locked') throw new Error('the lock holder did not take the lock');
    return async () => {
      holder.send('release');
      await holder.exit();
    };
  }
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
  return async () => {
    await holder.query('ROLLBACK');
    await holder.end();
  };
}

/** A POS till in a process of its own, inserting one sale a transaction into `pos_sale (amount)`. */
export interface PosWriter {
  /** Stops selling; how many sales it committed. */
  stop(): Promise<number>;
  /** Ends the process by its PID if it still runs (after a failed test). */
  kill(): Promise<void>;
}

/** POS_WRITER's protocol (`writing` after the first sale, its tally on `stop`) on PostgreSQL. */
const POSTGRES_POS_WRITER = `
const client = new (require('pg').Client)({ connectionString: process.argv[1] });
let written = 0, longestWaitMs = 0, stopping = false;
require('readline').createInterface({ input: process.stdin }).on('line', () => { stopping = true; });
(async () => {
  await client.connect();
  while (!stopping) {
    const start = process.hrtime.bigint();
    await client.query('INSERT INTO pos_sale (amount) VALUES ($1)', [String(written + 1) + '.99']);
    longestWaitMs = Math.max(longestWaitMs, Number(process.hrtime.bigint() - start) / 1e6);
    written += 1;
    if (written === 1) console.log('writing');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await client.end();
  console.log(JSON.stringify({ written, longestWaitMs }));
  process.exit(0);
})();
`;

/** Starts a till selling into the subject's `pos_sale` table; resolves once its first sale is in. */
export async function startPosWriter(subject: ChannelDatabaseSubject): Promise<PosWriter> {
  const url = postgresUrl(subject);
  const till =
    url === undefined ? SqliteProcess.start(POS_WRITER, subject.setting as string) : SqliteProcess.start(POSTGRES_POS_WRITER, url);
  if ((await till.nextLine()) !== 'writing') throw new Error('the POS till did not start writing');
  return {
    async stop() {
      till.send('stop');
      const { written } = JSON.parse(await till.nextLine()) as { written: number };
      if ((await till.exit()) !== 0) throw new Error('the POS till failed');
      return written;
    },
    kill: () => till.stop(),
  };
}
