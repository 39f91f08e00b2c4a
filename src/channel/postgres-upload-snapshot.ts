import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { AsyncClientError } from '../errors.js';
import type { EncodedRows } from '../package/encoded-rows.js';
import type { CellValue, PackageRow, RowBatch, TableSpec } from '../package/types.js';
import { type PostgresConnection, quoteIdent, type Row } from './postgres-connection.js';
import { encodedRowsOfCopy } from './postgres-copy-lines.js';
import { parseCopyRows } from './postgres-copy-text.js';
import { describePostgresUploadTable, postgresRangeSql } from './postgres-upload-table.js';
import { fromPostgresText, postgresColumnTypeOf } from './postgres-values.js';
import { packageLinesSql } from './postgres-upload-lines.js';
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
    const select = `${this.rangeOf(config, range, columns)} ORDER BY ${quoteIdent(config.counterColumn)}`;
    const counterAt = spec.columns.findIndex((c) => c.name.toLowerCase() === config.counterColumn.toLowerCase());
    yield* this.copyOut(`COPY (${select}) TO STDOUT`, async function* (chunks) {
      let batch: PackageRow[] = [];
      for await (const rows of parseCopyRows(chunks)) {
        for (const fields of rows) {
          try {
            batch.push({ op: 'upsert', values: fields.map((text, i) => cellOf(spec, i, text)) });
          } catch (error) {
            throw counterAt < 0 ? error : atCounter(error, config, fields[counterAt]);
          }
          if (batch.length >= batchSize) {
            yield { table: spec, rows: batch };
            batch = [];
          }
        }
      }
      if (batch.length > 0) yield { table: spec, rows: batch };
    });
  }

  /**
   * The same rows as package content lines that PostgreSQL writes itself (postgres-upload-lines.ts),
   * through binary COPY: Node decodes no value. Null, and `rows` serves, where the server's text
   * is not sure to be UTF-8 (SQL_ASCII) or the table no longer has the spec's columns.
   */
  async encodedRows(spec: TableSpec, config: UploadTableConfig, range: CounterRange): Promise<AsyncIterable<EncodedRows> | null> {
    this.assertOpen();
    await this.begin();
    const { rows } = await this.client.query<Row>('SELECT current_setting($1) AS encoding', ['server_encoding']);
    if (rows[0]?.encoding !== 'UTF8') return null;
    const { source, counterColumn } = await describePostgresUploadTable(this.client, this.conn.schema, config);
    const columns = spec.columns.map((c) => source.columns.find((s) => s.name === c.name && postgresColumnTypeOf(s.baseType) === c.type));
    if (!columns.every((c) => c !== undefined)) return null;
    const { sql, ...layout } = packageLinesSql(columns, spec.primaryKey, counterColumn, this.source(config), (select) =>
      this.rangeOf(config, range, select),
    );
    const refuse = (problem: string): never => {
      const [index, text, counter] = JSON.parse(problem) as [number, string, string];
      try {
        cellOf(spec, index, text);
      } catch (error) {
        throw atCounter(error, config, counter);
      }
      throw new AsyncClientError(
        'E_UPLOAD_COPY',
        `upload table ${spec.name}: PostgreSQL refused the value ${JSON.stringify(text)} the COPY text path takes`,
      );
    };
    return this.copyOut(`COPY (${sql}) TO STDOUT (FORMAT binary)`, (chunks) => encodedRowsOfCopy(chunks, layout, refuse));
  }

  /**
   * The items `read` makes of a COPY's data. A reader that stops early (or fails) has the rest read
   * off, so the connection is free again: the stream is not destroyed when its iterator stops,
   * which would leave the connection mid-COPY and put an AbortError in place of the reader's error.
   */
  private async *copyOut<T>(sql: string, read: (chunks: AsyncIterable<Buffer>) => AsyncIterable<T>): AsyncIterable<T> {
    const stream = this.client.query(copyTo(sql));
    let finished = false;
    try {
      for await (const item of read(stream.iterator({ destroyOnReturn: false }))) {
        yield item;
        this.assertOpen();
      }
      finished = true;
    } finally {
      if (!finished) for await (const _ of stream) void _;
    }
  }

  /** The range's SELECT with its bounds written in: COPY takes no parameters. */
  private rangeOf(config: UploadTableConfig, range: CounterRange, select: string): string {
    return this.range(config, select, true).replace('$1', `${range.fromExclusive}`).replace('$2', `${range.toInclusive}`);
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

function cellOf(spec: TableSpec, index: number, text: string | null): CellValue {
  const column = spec.columns[index];
  return fromPostgresText(text, column?.type ?? 'string', `upload table ${spec.name} column ${column?.name}`);
}
