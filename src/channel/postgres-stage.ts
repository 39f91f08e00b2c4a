import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { AsyncClientError } from '../errors.js';
import type { PackageRow, TableSpec } from '../package/types.js';
import { quoteIdent } from './postgres-connection.js';
import { translatePostgresError } from './postgres-errors.js';
import { findPostgresColumn, type PostgresColumn, type PostgresTable } from './postgres-schema.js';
import { toCopyField } from './postgres-values.js';

export const SEQ = 'async_client_seq';
export const OP = 'async_client_op';

/**
 * A package table's rows on their way in. Usually a temporary table typed like the target's
 * columns, filled by COPY in file order (`async_client_seq` numbers the rows, `async_client_op`
 * says upsert `u` or delete `d`), dropped at commit, which the set-based merge reads. For a full
 * package swapped in (postgres-swap.ts) it is the new table itself: plain rows, no numbers; a
 * delete there finds nothing (the table starts empty and a package names each key once).
 */
export class Stage {
  /** Package rows staged so far: the next row's number is `rows + 1`. */
  rows = 0;
  deletes = 0;
  private readonly targetColumns: readonly (PostgresColumn | undefined)[];
  private readonly keyPositions: readonly number[];

  private constructor(
    /** The table COPY fills, quoted. */
    readonly name: string,
    readonly spec: TableSpec,
    readonly table: PostgresTable,
    /** Rows carry their number and operation: a temporary stage, not a swap table. */
    readonly numbered = true,
  ) {
    this.targetColumns = spec.columns.map((c) => findPostgresColumn(table, c.name));
    this.keyPositions = spec.primaryKey.map((k) => spec.columns.findIndex((c) => c.name === k));
  }

  static async create(client: pg.ClientBase, index: number, spec: TableSpec, table: PostgresTable): Promise<Stage> {
    const stage = new Stage(`async_client_stage_${index}`, spec, table);
    const columns = stage.targetColumns.map((c, i) => `${quoteIdent(c?.name ?? (spec.columns[i]?.name as string))} ${c?.declaredType}`);
    await client.query(`CREATE TEMP TABLE ${stage.name} (${SEQ} bigint, ${OP} "char", ${columns.join(', ')}) ON COMMIT DROP`);
    return stage;
  }

  /** The new table of a swap (created by createSwapTable), filled directly. */
  static swap(name: string, spec: TableSpec, table: PostgresTable): Stage {
    return new Stage(name, spec, table, false);
  }

  /** The columns COPY fills, in the order encode writes them. */
  get copyColumns(): string {
    return `${this.numbered ? `${SEQ}, ${OP}, ` : ''}${this.columns.join(', ')}`;
  }

  /** The target's column names for the package's columns, quoted, in package order. */
  get columns(): string[] {
    return this.targetColumns.map((c) => quoteIdent(c?.name as string));
  }

  get keyColumns(): string[] {
    return this.keyPositions.map((i) => quoteIdent(this.targetColumns[i]?.name as string));
  }

  /** COPY text lines for `rows`, numbered on from the rows staged before. */
  encode(rows: readonly PackageRow[]): string {
    let text = '';
    for (const row of rows) {
      this.rows += 1;
      try {
        const line = this.line(row);
        if (this.numbered) text += `${this.rows}\t${line}\n`;
        else if (line !== null) text += `${line}\n`;
      } catch (error) {
        throw atRow(error, this, row.op);
      }
    }
    return text;
  }

  /** A row's COPY line; null for a delete in a swap table. */
  private line(row: PackageRow): string | null {
    if (row.op === 'upsert') {
      const values = row.values.map((v, i) => toCopyField(v, this.targetColumns[i])).join('\t');
      return this.numbered ? `u\t${values}` : values;
    }
    if (this.keyPositions.length === 0) {
      throw new AsyncClientError('E_SCHEMA_KEY_MISMATCH', 'the package deletes by key from a table it gives no primary key');
    }
    this.deletes += 1;
    if (!this.numbered) return null;
    const fields = this.spec.columns.map(() => '\\N');
    this.keyPositions.forEach((at, i) => {
      fields[at] = toCopyField(row.key[i] ?? null, this.targetColumns[at]);
    });
    return `d\t${fields.join('\t')}`;
  }
}

/** Names the package row (counted per table, from 1) in an error about it. */
export function atRow(error: unknown, stage: Stage, op: PackageRow['op'] | 'row', row = stage.rows): unknown {
  if (!(error instanceof AsyncClientError)) return error;
  const table = stage.spec.name;
  return new AsyncClientError(error.code, `${op === 'row' ? 'row' : `${op} of row`} ${row} of table ${table}: ${error.message}`, {
    ...error.details,
    table,
    row,
  });
}

/**
 * How much COPY text gathers before it goes to the server: each write is a CopyData message of
 * two socket writes, and one per batch of 64 rows cost the main thread a fifth of a 1,000,000-row apply.
 */
const COPY_CHUNK_BYTES = 256 * 1024;
/** The most bytes UTF-8 takes for one UTF-16 code unit. */
const UTF8_PER_UNIT = 3;

/**
 * One COPY into a stage, open while the package's batches for that table keep coming. A failure
 * the server reports names the package row from COPY's line number.
 */
export class StageCopy {
  private readonly stream;
  private readonly done: Promise<void>;
  private readonly firstRow: number;
  private chunk = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
  private used = 0;

  constructor(
    client: pg.ClientBase,
    readonly stage: Stage,
    private readonly location: string,
  ) {
    this.firstRow = stage.rows + 1;
    // A swap table's rows go in frozen: a POS transaction whose snapshot predates the swap then sees them, not an empty table.
    this.stream = client.query(copyFrom(`COPY ${stage.name} (${stage.copyColumns}) FROM STDIN${stage.numbered ? '' : ' (FREEZE)'}`));
    this.done = new Promise<void>((resolve, reject) => {
      this.stream.on('finish', resolve);
      this.stream.on('error', reject);
    });
    this.done.catch(() => undefined);
  }

  async write(rows: readonly PackageRow[]): Promise<void> {
    const text = this.stage.encode(rows);
    if (this.used + text.length * UTF8_PER_UNIT > this.chunk.length) await this.flush();
    if (text.length * UTF8_PER_UNIT > this.chunk.length) await this.send(Buffer.from(text));
    else this.used += this.chunk.write(text, this.used);
  }

  async end(): Promise<void> {
    await this.flush();
    this.stream.end();
    try {
      await this.done;
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** Sends the text gathered; the socket may still hold the chunk sent, so the next is a new one. */
  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const bytes = this.chunk.subarray(0, this.used);
    this.chunk = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
    this.used = 0;
    await this.send(bytes);
  }

  private async send(bytes: Buffer): Promise<void> {
    try {
      if (!this.stream.write(bytes)) await Promise.race([once(this.stream, 'drain'), this.done]);
    } catch (error) {
      // Writing into a COPY the server already ended throws the driver's TypeError; the COPY's own error says why.
      throw this.translate(
        await Promise.race([
          this.done.then(
            () => error,
            (failure: unknown) => failure,
          ),
          sleep(1000).then(() => error),
        ]),
      );
    }
  }

  /** Ends the COPY with a failure, so the connection is ready for the ROLLBACK. */
  async abort(error: unknown): Promise<void> {
    this.stream.destroy(error instanceof Error ? error : new Error(String(error)));
    await this.done.catch(() => undefined);
  }

  private translate(error: unknown): unknown {
    const where = (error as { where?: unknown }).where;
    const line = typeof where === 'string' ? /line (\d+)/.exec(where)?.[1] : undefined;
    const column = typeof where === 'string' ? /column (\S+?):/.exec(where)?.[1] : undefined;
    const row = line === undefined ? undefined : this.firstRow + Number(line) - 1;
    const what = row === undefined ? `writing table ${this.stage.spec.name}` : `row ${row} of table ${this.stage.spec.name}`;
    return translatePostgresError(error, this.location, column === undefined ? what : `${what}, column ${column}`, {
      table: this.stage.spec.name,
      ...(row === undefined ? {} : { row }),
      ...(column === undefined ? {} : { column }),
    });
  }
}
