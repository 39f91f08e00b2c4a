import type pg from 'pg';
import { AsyncClientError } from '../errors.js';
import { loadOnFirstUse } from '../load-on-first-use.js';
import type { SessionFailure, SessionListFilter } from './download-journal.js';
import { type PostgresConnection, quoteIdent, type Row } from './postgres-connection.js';
import { describePostgresUploadTable } from './postgres-upload-table.js';
import { Serial } from './serial.js';
import { assertUploadTransition, type UploadStatus } from './session-status.js';
import { assertMayRecordIntent, watermarkMoved } from './upload-errors.js';
import {
  type BuiltPackage,
  type CounterRange,
  NO_WATERMARK,
  type UploadSession,
  type UploadSnapshot,
  type UploadStore,
  type UploadTableConfig,
  type UploadTableDescription,
} from './upload-journal.js';
import { toUploadSession, type UploadSessionRow, uploadChanges } from './upload-session-row.js';

/** The snapshot's reader (COPY out, pg-copy-streams, the package's key text) loads with the first upload. */
const loadSnapshot = loadOnFirstUse(() => import('./postgres-upload-snapshot.js'));

const TIMES = ['next_try_at', 'started_at', 'available_at', 'uploaded_at', 'failed_at', 'updated_at'];
const COLUMNS = [
  'id',
  'channel_id',
  'sequence',
  'status',
  'rows',
  'file_name',
  'size',
  'checksum',
  'tries',
  'error_code',
  'error_message',
  ...TIMES.map((c) => `to_json(${c}) #>> '{}' AS ${c}`),
].join(', ');

type Changes = Record<string, string | number | null>;

/** Upload sessions, their counter ranges and the watermarks, in the journal schema. */
export class PostgresUploadStore implements UploadStore {
  private readonly readerSerial = new Serial();
  private readonly session: string;
  private readonly range: string;
  private readonly watermark: string;

  constructor(
    private readonly conn: PostgresConnection,
    private readonly transactionWaitMs: number,
  ) {
    const s = quoteIdent(conn.journalSchema);
    this.session = `${s}.upload_session`;
    this.range = `${s}.upload_range`;
    this.watermark = `${s}.watermark`;
  }

  describeTable(config: UploadTableConfig): Promise<UploadTableDescription> {
    return this.conn.exclusive(`checking upload table ${config.table}`, async (client) => {
      const { source: _, ...description } = await describePostgresUploadTable(client, this.conn.schema, config);
      return description;
    });
  }

  /** Reads run on a connection of their own, so a long read never holds up the journal or an apply. */
  snapshot<T>(work: (snapshot: UploadSnapshot) => Promise<T>): Promise<T> {
    return this.readerSerial.run(() =>
      this.conn.withClient('reading rows to upload', async (client) => {
        const { PostgresUploadSnapshot } = await loadSnapshot();
        const snapshot = new PostgresUploadSnapshot(client, this.conn, this.transactionWaitMs);
        try {
          return await work(snapshot);
        } finally {
          await snapshot.end();
        }
      }),
    );
  }

  watermarks(): Promise<ReadonlyMap<string, bigint>> {
    return this.conn.exclusive('reading upload watermarks', async (client) => {
      const { rows } = await client.query<Row>(`SELECT table_name, counter FROM ${this.watermark} WHERE channel_id = $1`, [
        this.conn.channelId,
      ]);
      return new Map(rows.map((w) => [w.table_name as string, BigInt(w.counter as string)]));
    });
  }

  setWatermark(table: string, counter: bigint): Promise<void> {
    return this.conn.write(`setting the upload watermark of ${table}`, (client) => this.setWatermarkNow(client, table, counter));
  }

  recordIntent(ranges: readonly CounterRange[]): Promise<UploadSession> {
    return this.conn.write('recording an upload intent', async (client) => {
      // One intent at a time per channel, whichever process records it.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`async-client upload ${this.conn.channelId}`]);
      assertMayRecordIntent(await this.pendingNow(client), ranges);
      for (const range of ranges) await this.assertWatermark(client, range);
      const { rows: next } = await client.query<Row>(
        `SELECT COALESCE(MAX(sequence), 0) + 1 AS next FROM ${this.session} WHERE channel_id = $1`,
        [this.conn.channelId],
      );
      const now = this.conn.now().toISOString();
      const rows = ranges.reduce((sum, r) => sum + r.rows, 0);
      const inserted = await client.query<Row>(
        `INSERT INTO ${this.session} (channel_id, sequence, status, rows, started_at, updated_at) VALUES ($1, $2, 'Started', $3, $4, $4) RETURNING id`,
        [this.conn.channelId, next[0]?.next, rows, now],
      );
      const id = Number(inserted.rows[0]?.id);
      for (const [position, r] of ranges.entries()) {
        await client.query(
          `INSERT INTO ${this.range} (session_id, position, table_name, from_exclusive, to_inclusive, rows) VALUES ($1, $2, $3, $4, $5, $6)`,
          [id, position, r.table, String(r.fromExclusive), String(r.toInclusive), r.rows],
        );
      }
      return this.mustFind(client, id);
    });
  }

  pendingIntent(): Promise<UploadSession | null> {
    return this.conn.exclusive('reading the pending upload', (client) => this.pendingNow(client));
  }

  markAvailable(id: number, pkg: BuiltPackage): Promise<UploadSession> {
    return this.change(id, 'Available', async (now) => ({
      file_name: pkg.fileName,
      size: pkg.size,
      checksum: pkg.checksum,
      available_at: now,
    }));
  }

  markFailed(id: number, failure: SessionFailure, nextTryAt: Date | null): Promise<UploadSession> {
    return this.change(id, 'UploadFailed', async (now, session) => ({
      tries: session.tries + 1,
      error_code: failure.code,
      error_message: failure.message,
      next_try_at: nextTryAt?.toISOString() ?? null,
      failed_at: now,
    }));
  }

  complete(id: number, pkg: BuiltPackage): Promise<UploadSession> {
    return this.change(id, 'Uploaded', async (now, session, client) => {
      for (const range of session.ranges) {
        await this.assertWatermark(client, range);
        await this.setWatermarkNow(client, range.table, range.toInclusive);
      }
      return uploadChanges.uploaded(pkg, now);
    });
  }

  find(id: number): Promise<UploadSession | null> {
    return this.conn.exclusive(`reading upload session ${id}`, (client) => this.findNow(client, 'id', id));
  }

  findBySequence(sequence: number): Promise<UploadSession | null> {
    return this.conn.exclusive(`reading upload sequence ${sequence}`, (client) => this.findNow(client, 'sequence', sequence));
  }

  list(filter: SessionListFilter<UploadStatus> = {}): Promise<UploadSession[]> {
    return this.conn.exclusive('listing upload sessions', async (client) => {
      const { rows } = await client.query<Row>(
        `SELECT ${COLUMNS} FROM ${this.session} WHERE channel_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY sequence DESC LIMIT $3`,
        [this.conn.channelId, filter.status ?? null, filter.limit ?? 50],
      );
      const sessions: UploadSession[] = [];
      for (const row of rows) sessions.push(await this.toSession(client, row));
      return sessions;
    });
  }

  prune(olderThan: Date, limit: number): Promise<number> {
    return this.conn.write('pruning old upload sessions', async (client) => {
      // Its ranges go with it (ON DELETE CASCADE).
      const result = await client.query(
        `DELETE FROM ${this.session} WHERE id IN (SELECT id FROM ${this.session} WHERE channel_id = $1 AND status = 'Uploaded' AND updated_at < $2
           AND sequence < (SELECT MAX(sequence) FROM ${this.session} WHERE channel_id = $1) ORDER BY sequence LIMIT $3)`,
        [this.conn.channelId, olderThan.toISOString(), limit],
      );
      return result.rowCount ?? 0;
    });
  }

  private change(
    id: number,
    to: UploadStatus,
    changes: (now: string, session: UploadSession, client: pg.ClientBase) => Promise<Changes>,
  ): Promise<UploadSession> {
    return this.conn.write(`marking upload session ${id} ${to}`, async (client) => {
      const session = await this.mustFind(client, id, ' FOR UPDATE');
      assertUploadTransition(id, session.status, to);
      const now = this.conn.now().toISOString();
      const values = { ...(await changes(now, session, client)), status: to, updated_at: now };
      const columns = Object.keys(values);
      await client.query(
        `UPDATE ${this.session} SET ${columns.map((c, i) => `${c} = $${i + 1}`).join(', ')} WHERE id = $${columns.length + 1}`,
        [...Object.values(values), id],
      );
      return this.mustFind(client, id);
    });
  }

  /** A range starts where the table's watermark stands, or someone else moved it. */
  private async assertWatermark(client: pg.ClientBase, range: CounterRange): Promise<void> {
    const { rows } = await client.query<Row>(`SELECT counter FROM ${this.watermark} WHERE channel_id = $1 AND table_name = $2 FOR UPDATE`, [
      this.conn.channelId,
      range.table,
    ]);
    const current = rows[0] === undefined ? NO_WATERMARK : BigInt(rows[0].counter as string);
    if (current !== range.fromExclusive) throw watermarkMoved(range, current);
  }

  private async setWatermarkNow(client: pg.ClientBase, table: string, counter: bigint): Promise<void> {
    await client.query(
      `INSERT INTO ${this.watermark} (channel_id, table_name, counter, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (channel_id, table_name) DO UPDATE SET counter = excluded.counter, updated_at = excluded.updated_at`,
      [this.conn.channelId, table, String(counter), this.conn.now().toISOString()],
    );
  }

  private async pendingNow(client: pg.ClientBase): Promise<UploadSession | null> {
    const { rows } = await client.query<Row>(
      `SELECT ${COLUMNS} FROM ${this.session} WHERE channel_id = $1 AND status <> 'Uploaded' ORDER BY sequence LIMIT 1`,
      [this.conn.channelId],
    );
    return rows[0] === undefined ? null : this.toSession(client, rows[0]);
  }

  private async findNow(client: pg.ClientBase, column: 'id' | 'sequence', value: number, lock = ''): Promise<UploadSession | null> {
    const { rows } = await client.query<Row>(`SELECT ${COLUMNS} FROM ${this.session} WHERE channel_id = $1 AND ${column} = $2${lock}`, [
      this.conn.channelId,
      value,
    ]);
    return rows[0] === undefined ? null : this.toSession(client, rows[0]);
  }

  private async mustFind(client: pg.ClientBase, id: number, lock = ''): Promise<UploadSession> {
    const session = await this.findNow(client, 'id', id, lock);
    if (session === null) {
      throw new AsyncClientError(
        'E_SESSION_NOT_FOUND',
        `no upload session ${id} for channel ${this.conn.channelId}: list them with \`async-client sessions list --direction upload\``,
        { sessionId: id },
      );
    }
    return session;
  }

  private async toSession(client: pg.ClientBase, row: Row): Promise<UploadSession> {
    const { rows } = await client.query<Row>(
      `SELECT table_name, from_exclusive, to_inclusive, rows FROM ${this.range} WHERE session_id = $1 ORDER BY position`,
      [row.id],
    );
    const ranges = rows.map((r) => ({
      table: r.table_name as string,
      fromExclusive: BigInt(r.from_exclusive as string),
      toInclusive: BigInt(r.to_inclusive as string),
      rows: Number(r.rows),
    }));
    const numbers = { id: Number(row.id), sequence: Number(row.sequence), rows: Number(row.rows), tries: Number(row.tries) };
    return toUploadSession(
      { ...row, ...numbers, size: row.size === null ? null : Number(row.size) } as unknown as UploadSessionRow,
      ranges,
    );
  }
}
