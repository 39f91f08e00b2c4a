import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { AsyncClientError } from '../errors.js';
import type { PackageRow, RowBatch, TableSpec } from '../package/types.js';
import { type PostgresConnection, quoteIdent, type Row } from './postgres-connection.js';
import { parseCopyRows } from './postgres-copy-text.js';
import { describePostgresUploadTable, postgresRangeSql } from './postgres-upload-table.js';
import { fromPostgresText } from './postgres-values.js';
import { settledCounters } from './postgres-running-transactions.js';
import { atCounter, counterBackwards } from './upload-errors.js';
import { type CounterRange, NO_WATERMARK, type UploadPlan, type UploadSnapshot, type UploadTableConfig } from './upload-journal.js';

const DEFAULT_BATCH_SIZE = 1000;

/**
 * Reads for one upload on a connection of its own, in one REPEATABLE READ READ ONLY transaction
 * that begins at the first read. `plan` must come first: before the snapshot begins, it settles
 * how far each table may be read (see postgres-running-transactions.ts).
 */
export class PostgresUploadSnapshot implements UploadSnapshot {
  private open = true;
  private begun = false;

  constructor(
    private readonly client: pg.ClientBase,
    private readonly conn: PostgresConnection,
    private readonly transactionWaitMs: number,
  ) {}

  /** Called when the snapshot's callback settles: any later use is a bug of the caller. */
  async end(): Promise<void> {
    this.open = false;
    if (this.begun) await this.client.query('ROLLBACK');
  }

  async plan(tables: readonly UploadTableConfig[], maxRows: number): Promise<UploadPlan> {
    this.assertOpen();
    if (this.begun) {
      throw new AsyncClientError('E_SNAPSHOT_PLAN_FIRST', 'an upload snapshot plans before its first read: plan in a snapshot of its own');
    }
    const bounds = await settledCounters(this.client, this.conn.schema, tables, this.transactionWaitMs);
    await this.begin();
    const watermarks = new Map(
      (
        await this.client.query<Row>(
          `SELECT table_name, counter FROM ${quoteIdent(this.conn.journalSchema)}.watermark WHERE channel_id = $1`,
          [this.conn.channelId],
        )
      ).rows.map((w) => [w.table_name as string, BigInt(w.counter as string)]),
    );
    const ranges: CounterRange[] = [];
    const paused: { table: string; error: AsyncClientError }[] = [];
    let budget = maxRows;
    for (const config of tables) {
      const watermark = watermarks.get(config.table) ?? NO_WATERMARK;
      const counter = quoteIdent(config.counterColumn);
      const highest = await this.scalar(`SELECT MAX(${counter}) FROM ${this.source(config)}`);
      if (highest !== null && highest < watermark) {
        paused.push({ table: config.table, error: counterBackwards(config, watermark, highest) });
        continue;
      }
      const bound = bounds.get(config.table) ?? null;
      if (budget <= 0 || bound === null) continue;
      const end =
        (await this.scalar(`${this.range(config, counter, true)} ORDER BY ${counter} LIMIT 1 OFFSET $3`, watermark, bound, budget - 1)) ??
        (await this.scalar(this.range(config, `MAX(${counter})`, true), watermark, bound));
      if (end === null) continue;
      const rows = Number(await this.scalar(this.range(config, 'COUNT(*)', true), watermark, end));
      ranges.push({ table: config.table, fromExclusive: watermark, toInclusive: end, rows });
      budget -= rows;
    }
    return { ranges, rows: ranges.reduce((sum, r) => sum + r.rows, 0), paused };
  }

  async tableSpec(config: UploadTableConfig, range: CounterRange): Promise<TableSpec> {
    this.assertOpen();
    await this.begin();
    const description = await describePostgresUploadTable(this.client, this.conn.schema, config);
    const rows = Number(await this.scalar(this.range(config, 'COUNT(*)', true), range.fromExclusive, range.toInclusive));
    return { name: description.table, columns: description.columns, primaryKey: description.primaryKey, upsertCount: rows, deleteCount: 0 };
  }

  /** The rows through `COPY (SELECT ...) TO STDOUT`, the fastest way out of PostgreSQL. */
  async *rows(spec: TableSpec, config: UploadTableConfig, range: CounterRange, batchSize = DEFAULT_BATCH_SIZE): AsyncIterable<RowBatch> {
    this.assertOpen();
    await this.begin();
    const columns = spec.columns.map((c) => quoteIdent(c.name)).join(', ');
    const select = this.range(config, columns, true).replace('$1', `${range.fromExclusive}`).replace('$2', `${range.toInclusive}`);
    const stream = this.client.query(copyTo(`COPY (${select} ORDER BY ${quoteIdent(config.counterColumn)}) TO STDOUT`));
    const wheres = spec.columns.map((c) => `upload table ${spec.name} column ${c.name}`);
    const counterAt = spec.columns.findIndex((c) => c.name.toLowerCase() === config.counterColumn.toLowerCase());
    let batch: PackageRow[] = [];
    let finished = false;
    try {
      for await (const rows of parseCopyRows(stream)) {
        for (const fields of rows) {
          try {
            batch.push({
              op: 'upsert',
              values: fields.map((text, i) => fromPostgresText(text, spec.columns[i]?.type ?? 'string', wheres[i] as string)),
            });
          } catch (error) {
            throw counterAt < 0 ? error : atCounter(error, config, fields[counterAt]);
          }
          if (batch.length >= batchSize) {
            yield { table: spec, rows: batch };
            this.assertOpen();
            batch = [];
          }
        }
      }
      finished = true;
    } finally {
      // A reader that stops early: the rest of the COPY is read off, so the connection is free again.
      if (!finished) for await (const _ of stream) void _;
    }
    if (batch.length > 0) yield { table: spec, rows: batch };
  }

  private begin(): Promise<void> | undefined {
    if (this.begun) return undefined;
    this.begun = true;
    return this.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY').then(() => undefined);
  }

  private source(config: UploadTableConfig): string {
    return `${quoteIdent(this.conn.schema)}.${quoteIdent(config.table)}`;
  }

  private range(config: UploadTableConfig, select: string, bounded: boolean): string {
    return postgresRangeSql(this.conn.schema, config, select, bounded);
  }

  private async scalar(sql: string, ...params: (bigint | number)[]): Promise<bigint | null> {
    const { rows } = await this.client.query<Row>(`SELECT (${sql}) AS v`, params.map(String));
    const value = rows[0]?.v ?? null;
    return value === null ? null : BigInt(value);
  }

  private assertOpen(): void {
    if (!this.open)
      throw new AsyncClientError(
        'E_SNAPSHOT_ENDED',
        'an upload snapshot was used after it ended: read the rows inside the snapshot callback',
      );
  }
}
