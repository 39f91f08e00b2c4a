import type pg from 'pg';
import { AsyncClientError } from '../errors.js';
import type { PackageManifest, RowBatch } from '../package/types.js';
import type { ApplyOptions } from './channel-database.js';
import type { DownloadSession } from './download-journal.js';
import { inTransaction, qualified, type PostgresConnection } from './postgres-connection.js';
import type { PostgresDownloadJournal } from './postgres-download-journal.js';
import { translatePostgresError } from './postgres-errors.js';
import type { PostgresTable } from './postgres-schema.js';
import { OP, SEQ, Stage, StageCopy } from './postgres-stage.js';
import { createSwapTable, indexSwapTable, planSwap, type SwapPlan, swapIn, swapTableName } from './postgres-swap.js';
import { checkPostgresTable, createPostgresTable } from './postgres-table-check.js';
import { assertMayCreate, tableUnlisted } from './schema-errors.js';

/**
 * Applies a package in one transaction: every table checked before the first write, the rows
 * COPYed into stage tables as they stream in, then merged set-based, and the Applied record
 * written last, in the same transaction. A full package fills a new table and swaps it in at the
 * end where the table allows (postgres-swap.ts): the POS reads the old rows until the commit and
 * waits only for the swap. Elsewhere it replaces the rows with DELETE, never TRUNCATE, so that the
 * POS keeps reading and writing the table throughout.
 */
export async function applyPostgresPackage(
  client: pg.ClientBase,
  conn: PostgresConnection,
  journal: PostgresDownloadJournal,
  manifest: PackageManifest,
  batches: AsyncIterable<RowBatch>,
  options: ApplyOptions,
): Promise<DownloadSession> {
  return inTransaction(client as pg.PoolClient, 'BEGIN', async () => {
    await journal.assertApplicable(client, options.sessionId);
    const existing: (PostgresTable | null)[] = [];
    for (const spec of manifest.tables) {
      const table = await checkPostgresTable(client, conn.schema, spec, manifest.kind);
      if (table === null) assertMayCreate(spec, manifest.kind, options.allowCreateTables);
      existing.push(table);
    }
    const stages = new Map<string, Stage>();
    const swaps: Swap[] = [];
    for (const [i, spec] of manifest.tables.entries()) {
      const old = existing[i] ?? null;
      const plan = old !== null && manifest.kind === 'full' && spec.deleteCount === 0 ? await planSwap(client, old) : null;
      if (old !== null && plan !== null) {
        const swap = { stage: Stage.swap(qualified(old.schema, swapTableName(i)), spec, old), plan, name: swapTableName(i) };
        await createSwapTable(client, old, plan, swap.name);
        swaps.push(swap);
        stages.set(spec.name, swap.stage);
      } else {
        stages.set(spec.name, await Stage.create(client, i, spec, old ?? (await createPostgresTable(client, conn.schema, spec))));
      }
    }
    await copyBatches(client, conn.location, manifest, batches, stages);
    const counts: Record<string, number> = {};
    for (const stage of stages.values()) {
      if (stage.numbered) counts[stage.spec.name] = await merge(client, conn.location, stage, manifest.kind);
    }
    for (const swap of swaps) counts[swap.stage.spec.name] = await indexSwap(client, conn.location, swap);
    // Last, each in a moment: from here to the commit the POS waits for the swapped tables.
    for (const { stage, plan, name } of swaps) await swapIn(client, stage.table, plan, name, stage.columns);
    return journal.markAppliedNow(client, options.sessionId, counts);
  });
}

interface Swap {
  readonly stage: Stage;
  readonly plan: SwapPlan;
  readonly name: string;
}

/** One COPY per run of batches of the same table; a failing reader or row ends the COPY before the rollback. */
async function copyBatches(
  client: pg.ClientBase,
  location: string,
  manifest: PackageManifest,
  batches: AsyncIterable<RowBatch>,
  stages: ReadonlyMap<string, Stage>,
): Promise<void> {
  let copy: StageCopy | null = null;
  try {
    for await (const batch of batches) {
      const stage = stages.get(batch.table.name);
      if (stage === undefined) throw tableUnlisted(manifest, batch.table.name);
      if (copy?.stage !== stage) {
        await copy?.end();
        copy = new StageCopy(client, stage, location);
      }
      await copy.write(batch.rows);
    }
    await copy?.end();
  } catch (error) {
    await copy?.abort(error);
    throw error;
  }
}

/** Moves a stage's rows into its table; returns the rows that changed a table row. */
async function merge(client: pg.ClientBase, location: string, stage: Stage, kind: PackageManifest['kind']): Promise<number> {
  const target = qualified(stage.table.schema, stage.table.name);
  const columns = stage.columns.join(', ');
  const keys = stage.keyColumns;
  // The last operation on each key wins, as if the rows were applied one by one in file order.
  const latest =
    stage.deletes === 0 && kind === 'full'
      ? stage.name
      : `(SELECT DISTINCT ON (${keys.join(', ')}) * FROM ${stage.name} ORDER BY ${keys.join(', ')}, ${SEQ} DESC)`;
  const where = `writing table ${stage.spec.name}`;
  try {
    if (kind === 'full') {
      await client.query(`DELETE FROM ${target}`);
      return await savepoint(
        client,
        () => client.query(`INSERT INTO ${target} (${columns}) SELECT ${columns} FROM ${latest} s WHERE ${OP} = 'u'`),
        (error) => duplicateRow(client, location, stage, error),
      );
    }
    let changed = 0;
    if (stage.deletes > 0) {
      const match = keys.map((k) => `t.${k} = s.${k}`).join(' AND ');
      changed += (await client.query(`DELETE FROM ${target} t USING ${latest} s WHERE s.${OP} = 'd' AND ${match}`)).rowCount ?? 0;
    }
    const updates = stage.columns.filter((c) => !keys.includes(c)).map((c) => `${c} = excluded.${c}`);
    const upsert = (from: string): string =>
      `INSERT INTO ${target} (${columns}) SELECT ${columns} FROM ${from} s WHERE ${OP} = 'u'
       ON CONFLICT (${keys.join(', ')}) DO ${updates.length === 0 ? 'NOTHING' : `UPDATE SET ${updates.join(', ')}`}`;
    if (stage.deletes > 0) return changed + ((await client.query(upsert(latest))).rowCount ?? 0);
    // Most packages name each key once: the plain upsert first, the de-duplicating one when a key repeats.
    return await savepoint(
      client,
      () => client.query(upsert(stage.name)),
      async (error) => {
        if ((error as { code?: unknown }).code !== '21000') throw error;
        return (await client.query(upsert(latest))).rowCount ?? 0;
      },
    );
  } catch (error) {
    throw translatePostgresError(error, location, where, { table: stage.spec.name });
  }
}

/** Builds a swap table's indexes; returns its rows. A key named twice fails here, naming the second row. */
async function indexSwap(client: pg.ClientBase, location: string, { stage, plan, name }: Swap): Promise<number> {
  try {
    await savepoint(
      client,
      () => indexSwapTable(client, stage.table, plan, name),
      (error) => duplicateRow(client, location, stage, error),
    );
    return stage.rows - stage.deletes;
  } catch (error) {
    throw translatePostgresError(error, location, `writing table ${stage.spec.name}`, { table: stage.spec.name });
  }
}

/** Runs `statement` under a savepoint; on failure rolls back to it and lets `recover` decide. */
async function savepoint(
  client: pg.ClientBase,
  statement: () => Promise<pg.QueryResult | undefined>,
  recover: (error: unknown) => Promise<number>,
): Promise<number> {
  await client.query('SAVEPOINT async_client_merge');
  try {
    const result = await statement();
    await client.query('RELEASE SAVEPOINT async_client_merge');
    return result?.rowCount ?? 0;
  } catch (error) {
    if ((error as { code?: unknown }).code === undefined || (error as { severity?: unknown }).severity === undefined) throw error;
    await client.query('ROLLBACK TO SAVEPOINT async_client_merge');
    return recover(error);
  }
}

/** A full package that names a key twice: the error names the second row, as a row-by-row apply would. */
async function duplicateRow(client: pg.ClientBase, location: string, stage: Stage, error: unknown): Promise<never> {
  if ((error as { code?: unknown }).code !== '23505' || stage.keyColumns.length === 0) throw error;
  const keys = stage.keyColumns.join(', ');
  // A swap table holds the upserts alone, in file order.
  const upserts = stage.numbered
    ? `SELECT ${SEQ} AS seq, ${keys} FROM ${stage.name} WHERE ${OP} = 'u'`
    : `SELECT row_number() OVER (ORDER BY ctid) AS seq, ${keys} FROM ${stage.name}`;
  const { rows } = await client.query<{ seq: string }>(
    `SELECT seq FROM (SELECT seq, row_number() OVER (PARTITION BY ${keys} ORDER BY seq) AS n FROM (${upserts}) u) d
     WHERE n > 1 ORDER BY seq LIMIT 1`,
  );
  const row = rows[0]?.seq;
  const translated = translatePostgresError(
    error,
    location,
    row === undefined ? `writing table ${stage.spec.name}` : `upsert of row ${row} of table ${stage.spec.name}`,
    {
      table: stage.spec.name,
      ...(row === undefined ? {} : { row: Number(row) }),
    },
  );
  throw translated instanceof AsyncClientError ? translated : error;
}
