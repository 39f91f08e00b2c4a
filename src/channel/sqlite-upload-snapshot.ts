import type { Database } from 'better-sqlite3';
import { AsyncClientError } from '../errors.js';
import type { RowBatch, TableSpec } from '../package/types.js';
import { NO_WATERMARK, type CounterRange, type UploadPlan, type UploadSnapshot, type UploadTableConfig } from './upload-journal.js';
import { describeUploadTable, rangeSql } from './sqlite-upload-table.js';
import { quoteName, sameName } from './sqlite-schema.js';
import { atCounter, counterBackwards } from './upload-errors.js';
import { fromSqlite, type SqliteValue } from './sqlite-values.js';

const DEFAULT_BATCH_SIZE = 1000;

/**
 * Reads for one upload on the separate read connection, inside the read transaction that
 * `SqliteUploadStore.snapshot` opened: what the POS commits meanwhile is not seen.
 */
export class SqliteUploadSnapshot implements UploadSnapshot {
  private open = true;

  constructor(
    private readonly db: Database,
    private readonly channelId: string,
  ) {}

  /** Called when the read transaction ends: any later use is a bug of the caller. */
  end(): void {
    this.open = false;
  }

  async plan(tables: readonly UploadTableConfig[], maxRows: number): Promise<UploadPlan> {
    this.assertOpen();
    const watermarks = new Map(
      (
        this.db
          .prepare('SELECT table_name, counter FROM async_client_watermark WHERE channel_id = ?')
          .safeIntegers(true)
          .all(this.channelId) as { table_name: string; counter: bigint }[]
      ).map((w) => [w.table_name, w.counter]),
    );
    const ranges: CounterRange[] = [];
    const paused: { table: string; error: AsyncClientError }[] = [];
    let budget = maxRows;
    for (const config of tables) {
      const watermark = watermarks.get(config.table) ?? NO_WATERMARK;
      const highest = this.scalar(`SELECT MAX(${quoteName(config.counterColumn)}) FROM ${quoteName(config.table)}`);
      if (highest !== null && highest < watermark) {
        paused.push({ table: config.table, error: counterBackwards(config, watermark, highest) });
        continue;
      }
      if (budget <= 0) continue;
      const counter = quoteName(config.counterColumn);
      const end =
        this.scalar(`${rangeSql(config, counter, '')} ORDER BY ${counter} LIMIT 1 OFFSET ?`, watermark, budget - 1) ??
        this.scalar(rangeSql(config, `MAX(${counter})`, ''), watermark);
      if (end === null) continue;
      const rows = Number(this.scalar(rangeSql(config, 'COUNT(*)', '<= ?'), watermark, end));
      ranges.push({ table: config.table, fromExclusive: watermark, toInclusive: end, rows });
      budget -= rows;
    }
    return { ranges, rows: ranges.reduce((sum, r) => sum + r.rows, 0), paused };
  }

  async tableSpec(config: UploadTableConfig, range: CounterRange): Promise<TableSpec> {
    this.assertOpen();
    const description = describeUploadTable(this.db, config);
    const rows = Number(this.scalar(rangeSql(config, 'COUNT(*)', '<= ?'), range.fromExclusive, range.toInclusive));
    return { name: description.table, columns: description.columns, primaryKey: description.primaryKey, upsertCount: rows, deleteCount: 0 };
  }

  async *rows(spec: TableSpec, config: UploadTableConfig, range: CounterRange, batchSize = DEFAULT_BATCH_SIZE): AsyncIterable<RowBatch> {
    this.assertOpen();
    const columns = spec.columns.map((c) => quoteName(c.name)).join(', ');
    const statement = this.db
      .prepare(`${rangeSql(config, columns, '<= ?')} ORDER BY ${quoteName(config.counterColumn)}`)
      .safeIntegers(true)
      .raw(true);
    const wheres = spec.columns.map((c) => `upload table ${spec.name} column ${c.name}`);
    const counterAt = spec.columns.findIndex((c) => sameName(c.name, config.counterColumn));
    let batch: RowBatch['rows'][number][] = [];
    for (const values of statement.iterate(range.fromExclusive, range.toInclusive) as IterableIterator<SqliteValue[]>) {
      try {
        batch.push({
          op: 'upsert',
          values: values.map((value, i) => {
            const column = spec.columns[i];
            if (column === undefined) throw new Error('more values than columns');
            return fromSqlite(value, column.type, wheres[i] as string);
          }),
        });
      } catch (error) {
        throw counterAt < 0 ? error : atCounter(error, config, values[counterAt] ?? null);
      }
      if (batch.length >= batchSize) {
        yield { table: spec, rows: batch };
        this.assertOpen();
        batch = [];
      }
    }
    if (batch.length > 0) yield { table: spec, rows: batch };
  }

  private scalar(sql: string, ...params: (bigint | number)[]): bigint | null {
    const row = this.db
      .prepare(sql)
      .safeIntegers(true)
      .raw(true)
      .get(...params) as [bigint | null] | undefined;
    return row?.[0] ?? null;
  }

  private assertOpen(): void {
    if (!this.open)
      throw new AsyncClientError(
        'E_SNAPSHOT_ENDED',
        'an upload snapshot was used after it ended: read the rows inside the snapshot callback',
      );
  }
}
