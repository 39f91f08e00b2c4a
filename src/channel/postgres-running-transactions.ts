import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { qualified, quoteIdent, type Row } from './postgres-connection.js';
import type { UploadTableConfig } from './upload-journal.js';

const POLL_MS = 20;

/**
 * How far each table's counter may be read without skipping a row for good: the sequence trap.
 *
 * A counter drawn from a sequence is not committed in counter order. A POS transaction that took
 * counter 10 and commits after another took 11 and committed is invisible to a snapshot that
 * sees 11; if the upload then publishes up to 11, the watermark passes 10 and row 10 is never
 * published. So, before the upload's snapshot begins:
 *
 * 1. read each table's highest committed counter H (a counter at or below H was drawn before now);
 * 2. take the list of transactions still running (each holds a lock on its own id, `pg_locks`):
 *    any of them may hold a counter at or below H that it has not committed yet;
 * 3. wait until each has committed or rolled back (its lock is gone), at most `waitMs`;
 * 4. the snapshot that begins after that sees every row with a counter at or below H that will
 *    ever exist, so the plan reads up to H. Transactions that began after step 2 draw counters
 *    above H and wait for the next upload.
 *
 * A transaction still running after `waitMs` (a session left idle in a transaction) holds back
 * only the tables it has written (it holds a write lock on them, `pg_locks`): they get no bound
 * (null) and wait for the next upload; the other tables go on.
 *
 * The rule assumes what POS schemas do: the counter is drawn by the statement that writes the row
 * (a column default, an identity, a trigger), so the transaction already has an id when it holds
 * a counter. A transaction that calls nextval() first and writes the row in a later statement is
 * not covered while it has written nothing else.
 */
export async function settledCounters(
  client: pg.ClientBase,
  schema: string,
  tables: readonly UploadTableConfig[],
  waitMs: number,
): Promise<Map<string, bigint | null>> {
  const bounds = new Map<string, bigint | null>();
  for (const config of tables) {
    const { rows } = await client.query<Row>(
      `SELECT MAX(${quoteIdent(config.counterColumn)}) AS high FROM ${qualified(schema, config.table)}`,
    );
    bounds.set(config.table, rows[0]?.high == null ? null : BigInt(rows[0].high));
  }
  let xids = await runningTransactions(client, null);
  for (let waited = 0; xids.length > 0 && waited < waitMs; waited += POLL_MS) {
    await sleep(POLL_MS);
    xids = await runningTransactions(client, xids);
  }
  if (xids.length === 0) return bounds;
  for (const config of tables) {
    const { rows } = await client.query<Row>(
      `SELECT 1 FROM pg_locks x JOIN pg_locks r ON r.pid = x.pid
       WHERE x.locktype = 'transactionid' AND x.transactionid::text = ANY ($1::text[])
         AND r.locktype = 'relation' AND r.relation = $2::regclass
         AND r.mode IN ('RowExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
       LIMIT 1`,
      [xids, qualified(schema, config.table)],
    );
    if (rows.length > 0) bounds.set(config.table, null);
  }
  return bounds;
}

/**
 * The transactions running now (or those of `among` still running), by the lock each holds on
 * its own id from the moment it has one, in this database only. Not `pg_snapshot_xip`: a snapshot lists only running
 * ids below its xmax, the id after the newest finished one, so the newest running transaction,
 * the very one a quiet till leaves open, is not in it.
 */
async function runningTransactions(client: pg.ClientBase, among: readonly string[] | null): Promise<string[]> {
  const { rows } = await client.query<Row>(
    `SELECT coalesce(json_agg(DISTINCT transactionid::text), '[]')::text AS xids FROM pg_locks
     WHERE locktype = 'transactionid' AND mode = 'ExclusiveLock' AND granted AND pid <> pg_backend_pid()
       AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())
       AND ($1::text[] IS NULL OR transactionid::text = ANY ($1::text[]))`,
    [among],
  );
  return JSON.parse(rows[0]?.xids ?? '[]') as string[];
}
