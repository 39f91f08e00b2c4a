import type Database from 'better-sqlite3';
import { AsyncClientError } from '../errors.js';
import type { SessionFailure, SessionListFilter } from './download-journal.js';
import { assertUploadTransition, type UploadStatus } from './session-status.js';
import type { SqliteConnection } from './sqlite-connection.js';
import { translateSqliteError } from './sqlite-errors.js';
import { assertMayRecordIntent, watermarkMoved } from './upload-errors.js';
import { toUploadSession, uploadChanges, type UploadSessionRow as Row } from './upload-session-row.js';
import { SqliteUploadSnapshot } from './sqlite-upload-snapshot.js';
import { describeUploadTable } from './sqlite-upload-table.js';
import { Serial } from './serial.js';
import {
  NO_WATERMARK,
  type BuiltPackage,
  type CounterRange,
  type UploadSession,
  type UploadStore,
  type UploadTableConfig,
  type UploadSnapshot,
  type UploadTableDescription,
} from './upload-journal.js';

const SESSION = 'async_client_upload_session';
const RANGE = 'async_client_upload_range';
const WATERMARK = 'async_client_watermark';

/** Upload sessions, their counter ranges and the watermarks, in the channel database. */
export class SqliteUploadStore implements UploadStore {
  private reader: Database.Database | null = null;
  private readonly readerSerial = new Serial();

  /** `openReader` opens the second, read-only connection, on first use. */
  constructor(
    private readonly conn: SqliteConnection,
    private readonly openReader: () => Database.Database,
  ) {}

  describeTable(config: UploadTableConfig): Promise<UploadTableDescription> {
    return this.conn.exclusive(`checking upload table ${config.table}`, () => describeUploadTable(this.conn.db, config));
  }

  /** Reads run on a second connection, so a long read never holds up the journal or an apply. */
  snapshot<T>(work: (snapshot: UploadSnapshot) => Promise<T>): Promise<T> {
    return this.readerSerial.run(async () => {
      this.reader ??= this.openReader();
      const reader = this.reader;
      const snapshot = new SqliteUploadSnapshot(reader, this.conn.channelId);
      try {
        reader.exec('BEGIN');
        reader.prepare('SELECT COUNT(*) FROM sqlite_schema').get(); // the snapshot starts at the first read
        return await work(snapshot);
      } catch (error) {
        throw translateSqliteError(error, this.conn.location, 'reading rows to upload');
      } finally {
        snapshot.end();
        if (reader.inTransaction) reader.exec('COMMIT');
      }
    });
  }

  watermarks(): Promise<ReadonlyMap<string, bigint>> {
    return this.conn.exclusive(
      'reading upload watermarks',
      () =>
        new Map(
          (
            this.conn
              .statement(`SELECT table_name, counter FROM ${WATERMARK} WHERE channel_id = ?`)
              .safeIntegers(true)
              .all(this.conn.channelId) as { table_name: string; counter: bigint }[]
          ).map((w) => [w.table_name, w.counter]),
        ),
    );
  }

  setWatermark(table: string, counter: bigint): Promise<void> {
    return this.conn.write(`setting the upload watermark of ${table}`, () => this.setWatermarkNow(table, counter));
  }

  recordIntent(ranges: readonly CounterRange[]): Promise<UploadSession> {
    return this.conn.write('recording an upload intent', () => {
      const pending = this.pendingNow();
      assertMayRecordIntent(pending, ranges);
      for (const range of ranges) this.assertWatermark(range);
      const { next } = this.conn
        .statement(`SELECT COALESCE(MAX(sequence), 0) + 1 AS next FROM ${SESSION} WHERE channel_id = ?`)
        .get(this.conn.channelId) as { next: number };
      const now = this.conn.now().toISOString();
      const rows = ranges.reduce((sum, r) => sum + r.rows, 0);
      const id = Number(
        this.conn
          .statement(
            `INSERT INTO ${SESSION} (channel_id, sequence, status, rows, started_at, updated_at) VALUES (?, ?, 'Started', ?, ?, ?)`,
          )
          .run(this.conn.channelId, next, rows, now, now).lastInsertRowid,
      );
      const insertRange = this.conn.statement(
        `INSERT INTO ${RANGE} (session_id, position, table_name, from_exclusive, to_inclusive, rows) VALUES (?, ?, ?, ?, ?, ?)`,
      );
      for (const [position, r] of ranges.entries()) insertRange.run(id, position, r.table, r.fromExclusive, r.toInclusive, r.rows);
      return this.mustFind(id);
    });
  }

  pendingIntent(): Promise<UploadSession | null> {
    return this.conn.exclusive('reading the pending upload', () => this.pendingNow());
  }

  markAvailable(id: number, pkg: BuiltPackage): Promise<UploadSession> {
    return this.change(id, 'Available', (now) => ({ file_name: pkg.fileName, size: pkg.size, checksum: pkg.checksum, available_at: now }));
  }

  markFailed(id: number, failure: SessionFailure, nextTryAt: Date | null): Promise<UploadSession> {
    return this.change(id, 'UploadFailed', (now, session) => ({
      tries: session.tries + 1,
      error_code: failure.code,
      error_message: failure.message,
      next_try_at: nextTryAt?.toISOString() ?? null,
      failed_at: now,
    }));
  }

  complete(id: number, pkg: BuiltPackage): Promise<UploadSession> {
    return this.change(id, 'Uploaded', (now, session) => {
      for (const range of session.ranges) {
        this.assertWatermark(range);
        this.setWatermarkNow(range.table, range.toInclusive);
      }
      return uploadChanges.uploaded(pkg, now);
    });
  }

  find(id: number): Promise<UploadSession | null> {
    return this.conn.exclusive(`reading upload session ${id}`, () => this.findNow('id', id));
  }

  findBySequence(sequence: number): Promise<UploadSession | null> {
    return this.conn.exclusive(`reading upload sequence ${sequence}`, () => this.findNow('sequence', sequence));
  }

  list(filter: SessionListFilter<UploadStatus> = {}): Promise<UploadSession[]> {
    return this.conn.exclusive('listing upload sessions', () =>
      (
        this.conn
          .statement(`SELECT * FROM ${SESSION} WHERE channel_id = ? AND (? IS NULL OR status = ?) ORDER BY sequence DESC LIMIT ?`)
          .all(this.conn.channelId, filter.status ?? null, filter.status ?? null, filter.limit ?? 50) as Row[]
      ).map((r) => this.toSession(r)),
    );
  }

  prune(olderThan: Date, limit: number): Promise<number> {
    return this.conn.write('pruning old upload sessions', () => {
      const { channelId } = this.conn;
      // Its ranges go with it (ON DELETE CASCADE).
      const result = this.conn
        .statement(
          `DELETE FROM ${SESSION} WHERE id IN (SELECT id FROM ${SESSION} WHERE channel_id = ? AND status = 'Uploaded' AND updated_at < ?
             AND sequence < (SELECT MAX(sequence) FROM ${SESSION} WHERE channel_id = ?) ORDER BY sequence LIMIT ?)`,
        )
        .run(channelId, olderThan.toISOString(), channelId, limit);
      return result.changes;
    });
  }

  /** Waits for a snapshot in flight, then closes the read connection. */
  close(): Promise<void> {
    return this.readerSerial.run(() => {
      this.reader?.close();
      this.reader = null;
    });
  }

  private change(
    id: number,
    to: UploadStatus,
    changes: (now: string, session: UploadSession) => Record<string, string | number | null>,
  ): Promise<UploadSession> {
    return this.conn.write(`marking upload session ${id} ${to}`, () => {
      const session = this.mustFind(id);
      assertUploadTransition(id, session.status, to);
      const now = this.conn.now().toISOString();
      const values = { ...changes(now, session), status: to, updated_at: now };
      this.conn
        .statement(
          `UPDATE ${SESSION} SET ${Object.keys(values)
            .map((c) => `${c} = ?`)
            .join(', ')} WHERE id = ?`,
        )
        .run(...Object.values(values), id);
      return this.mustFind(id);
    });
  }

  /** A range starts where the table's watermark stands, or someone else moved it. */
  private assertWatermark(range: CounterRange): void {
    const row = this.conn
      .statement(`SELECT counter FROM ${WATERMARK} WHERE channel_id = ? AND table_name = ?`)
      .safeIntegers(true)
      .get(this.conn.channelId, range.table) as { counter: bigint } | undefined;
    const current = row?.counter ?? NO_WATERMARK;
    if (current !== range.fromExclusive) throw watermarkMoved(range, current);
  }

  private setWatermarkNow(table: string, counter: bigint): void {
    this.conn
      .statement(`INSERT INTO ${WATERMARK} (channel_id, table_name, counter, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (channel_id, table_name) DO UPDATE SET counter = excluded.counter, updated_at = excluded.updated_at`)
      .run(this.conn.channelId, table, counter, this.conn.now().toISOString());
  }

  private pendingNow(): UploadSession | null {
    const row = this.conn
      .statement(`SELECT * FROM ${SESSION} WHERE channel_id = ? AND status <> 'Uploaded' ORDER BY sequence LIMIT 1`)
      .get(this.conn.channelId) as Row | undefined;
    return row === undefined ? null : this.toSession(row);
  }

  private findNow(column: 'id' | 'sequence', value: number): UploadSession | null {
    const row = this.conn.statement(`SELECT * FROM ${SESSION} WHERE channel_id = ? AND ${column} = ?`).get(this.conn.channelId, value) as
      | Row
      | undefined;
    return row === undefined ? null : this.toSession(row);
  }

  private mustFind(id: number): UploadSession {
    const session = this.findNow('id', id);
    if (session === null) {
      throw new AsyncClientError(
        'E_SESSION_NOT_FOUND',
        `no upload session ${id} for channel ${this.conn.channelId}: list them with \`async-client sessions list --direction upload\``,
        { sessionId: id },
      );
    }
    return session;
  }

  private toSession(row: Row): UploadSession {
    const ranges = (
      this.conn
        .statement(`SELECT table_name, from_exclusive, to_inclusive, rows FROM ${RANGE} WHERE session_id = ? ORDER BY position`)
        .safeIntegers(true)
        .all(row.id) as { table_name: string; from_exclusive: bigint; to_inclusive: bigint; rows: bigint }[]
    ).map((r) => ({ table: r.table_name, fromExclusive: r.from_exclusive, toInclusive: r.to_inclusive, rows: Number(r.rows) }));
    return toUploadSession(row, ranges);
  }
}
