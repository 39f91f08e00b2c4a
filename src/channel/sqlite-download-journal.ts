import { AsyncClientError } from '../errors.js';
import type { DownloadJournal, DownloadSession, SeenPackage, SessionFailure, SessionListFilter } from './download-journal.js';
import { assertDownloadTransition, type DownloadStatus } from './session-status.js';
import {
  type DownloadSessionRow as Row,
  downloadChanges,
  type DownloadChanges,
  sequenceConflict,
  toDownloadSession as toSession,
} from './download-session-row.js';
import type { SqliteConnection } from './sqlite-connection.js';

const TABLE = 'async_client_download_session';

/**
 * A session that may become Applied in the apply's transaction, marked so without reading it
 * again: the row read or recorded there, or a package seen for the first time (`firstSeen`),
 * recorded only with its Applied record.
 */
export type ApplicableSession = { readonly row: Row } | { readonly firstSeen: SeenPackage };

/** The download journal in the channel database's own `async_client_download_session` table. */
export class SqliteDownloadJournal implements DownloadJournal {
  constructor(private readonly conn: SqliteConnection) {}

  /** Unflushed: a record lost to a power cut is made again when the file is seen again. */
  record(pkg: SeenPackage): Promise<DownloadSession> {
    return this.conn.writeUnflushed(`recording download package ${pkg.sequence}`, () => toSession(this.recordRow(pkg)));
  }

  /**
   * Unflushed: Downloaded only says a verified copy was staged; its loss repeats the staging. A
   * package seen for the first time is recorded Downloaded at once (one statement, not an insert
   * and an update: a backlog records thousands).
   */
  recordDownloaded(pkg: SeenPackage): Promise<DownloadSession> {
    return this.conn.writeUnflushed(`recording download package ${pkg.sequence} Downloaded`, () => toSession(this.downloadedRow(pkg)));
  }

  markApplyFailed(id: number, failure: SessionFailure, nextTryAt: Date | null): Promise<DownloadSession> {
    return this.change(id, 'ApplyFailed', downloadChanges.applyFailed(failure, nextTryAt));
  }

  markSuspended(id: number, failure?: SessionFailure): Promise<DownloadSession> {
    return this.change(id, 'Suspended', downloadChanges.suspended(failure));
  }

  cancel(id: number, by: string, reason: string): Promise<DownloadSession> {
    return this.change(id, 'Canceled', downloadChanges.canceled(by, reason));
  }

  retry(id: number): Promise<DownloadSession> {
    return this.change(id, 'Available', downloadChanges.retried());
  }

  find(id: number): Promise<DownloadSession | null> {
    return this.conn.exclusive(`reading download session ${id}`, () => this.findNow(id));
  }

  findBySequence(sequence: number): Promise<DownloadSession | null> {
    // A backlog reads each sequence between two applies: the read leaves their commit group open.
    return this.conn.exclusiveInGroup(`reading download sequence ${sequence}`, () => {
      const row = this.conn
        .statement(`SELECT * FROM ${TABLE} WHERE channel_id = ? AND sequence = ? ORDER BY id DESC LIMIT 1`)
        .get(this.conn.channelId, sequence) as Row | undefined;
      return row === undefined ? null : toSession(row);
    });
  }

  list(filter: SessionListFilter<DownloadStatus> = {}): Promise<DownloadSession[]> {
    return this.conn.exclusive('listing download sessions', () => {
      const rows = this.conn
        .statement(`SELECT * FROM ${TABLE} WHERE channel_id = ? AND (? IS NULL OR status = ?) ORDER BY sequence DESC, id DESC LIMIT ?`)
        .all(this.conn.channelId, filter.status ?? null, filter.status ?? null, filter.limit ?? 50) as Row[];
      return rows.map(toSession);
    });
  }

  highestApplied(): Promise<number> {
    return this.conn.exclusive('reading the highest applied sequence', () => {
      const row = this.conn
        .statement(`SELECT MAX(sequence) AS sequence FROM ${TABLE} WHERE channel_id = ? AND status = 'Applied'`)
        .get(this.conn.channelId) as { sequence: number | null };
      return row.sequence ?? 0;
    });
  }

  pending(): Promise<DownloadSession[]> {
    return this.conn.exclusive('listing pending download sessions', () => {
      const rows = this.conn
        .statement(`SELECT * FROM ${TABLE} WHERE channel_id = ? AND status NOT IN ('Applied', 'Canceled') ORDER BY sequence, id`)
        .all(this.conn.channelId) as Row[];
      return rows.map(toSession);
    });
  }

  /** Inside the apply's transaction: the session as it is there, which may become Applied; throws otherwise. */
  applicableNow(id: number): { readonly row: Row } {
    const row = this.mustFindRow(id);
    assertDownloadTransition(id, row.status, 'Applied');
    return { row };
  }

  /** Inside an apply's transaction: `pkg` recorded Downloaded, as `recordDownloaded` does, to become Applied with the rows. */
  downloadedNow(pkg: SeenPackage): { readonly row: Row } {
    return { row: this.downloadedRow(pkg) };
  }

  /**
   * Inside the transaction that applies `pkg` and commits its Applied record: as `downloadedNow`,
   * but a package seen for the first time is recorded once, Applied, by `markAppliedNow` (one
   * statement instead of an insert and an update: a backlog records thousands).
   */
  toApplyNow(pkg: SeenPackage): ApplicableSession {
    const known = this.knownRow(pkg);
    return known === undefined ? { firstSeen: pkg } : { row: this.changedRow(known, 'Downloaded', downloadChanges.downloaded()) };
  }

  /** In the transaction the session was read or recorded in, after the rows: the Applied record that commits with them. */
  markAppliedNow(session: ApplicableSession, rowsAffected: Readonly<Record<string, number>>): DownloadSession {
    if ('firstSeen' in session) return toSession(this.insertRow(session.firstSeen, 'Applied', rowsAffected));
    return toSession(this.changedRow(session.row, 'Applied', downloadChanges.applied(rowsAffected)));
  }

  prune(olderThan: Date, limit: number): Promise<number> {
    return this.conn.write('pruning old download sessions', () => {
      const { channelId } = this.conn;
      const result = this.conn
        .statement(
          `DELETE FROM ${TABLE} WHERE id IN (SELECT id FROM ${TABLE} WHERE channel_id = ? AND status IN ('Applied', 'Canceled') AND updated_at < ?
             AND sequence < (SELECT COALESCE(MAX(sequence), 0) FROM ${TABLE} WHERE channel_id = ? AND status = 'Applied') ORDER BY updated_at, id LIMIT ?)`,
        )
        .run(channelId, olderThan.toISOString(), channelId, limit);
      return result.changes;
    });
  }

  private change(id: number, to: DownloadStatus, changes: DownloadChanges): Promise<DownloadSession> {
    return this.conn.write(`marking download session ${id} ${to}`, () => toSession(this.changedRow(this.mustFindRow(id), to, changes)));
  }

  /** Changes the session `row` holds; the row after is made from the row and the values written, not read back. */
  private changedRow(row: Row, to: DownloadStatus, changes: DownloadChanges): Row {
    const session = toSession(row);
    assertDownloadTransition(row.id, session.status, to);
    const now = this.conn.now().toISOString();
    const values = { ...changes(now, session), status: to, updated_at: now };
    const columns = Object.keys(values);
    this.conn
      .statement(`UPDATE ${TABLE} SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`)
      .run(...Object.values(values), row.id);
    return { ...row, ...values } as Row;
  }

  /** The session of `pkg`, recorded Downloaded: a new row, or the known one changed. */
  private downloadedRow(pkg: SeenPackage): Row {
    const known = this.knownRow(pkg);
    return known === undefined ? this.insertRow(pkg, 'Downloaded') : this.changedRow(known, 'Downloaded', downloadChanges.downloaded());
  }

  /** The session of `pkg`'s sequence and checksum, recorded Available when new. */
  private recordRow(pkg: SeenPackage): Row {
    return this.knownRow(pkg) ?? this.insertRow(pkg, 'Available');
  }

  /** The session of `pkg`'s sequence and checksum, if any; throws if another checksum holds the sequence. */
  private knownRow(pkg: SeenPackage): Row | undefined {
    const sessions = this.conn
      .statement(`SELECT * FROM ${TABLE} WHERE channel_id = ? AND sequence = ? ORDER BY id DESC`)
      .all(this.conn.channelId, pkg.sequence) as Row[];
    const same = sessions.find((s) => s.checksum === pkg.checksum);
    if (same !== undefined) return same;
    const blocking = sessions.find((s) => s.status !== 'Canceled');
    if (blocking !== undefined) throw sequenceConflict(toSession(blocking), pkg);
    return undefined;
  }

  /**
   * A new session for `pkg`: Available, Downloaded (a verified copy staged) or Applied (with its
   * rows, in the apply's transaction) from the start. The row returned is the one written, not
   * read back.
   */
  private insertRow(
    pkg: SeenPackage,
    status: 'Available' | 'Downloaded' | 'Applied',
    rowsAffected: Readonly<Record<string, number>> = {},
  ): Row {
    const now = this.conn.now().toISOString();
    const row: Omit<Row, 'id'> = {
      channel_id: this.conn.channelId,
      sequence: pkg.sequence,
      job_id: pkg.jobId,
      file_name: pkg.fileName,
      size: pkg.size,
      checksum: pkg.checksum,
      status,
      tries: 0,
      rows_affected: JSON.stringify(rowsAffected),
      error_code: null,
      error_message: null,
      next_try_at: null,
      available_at: now,
      downloaded_at: status === 'Available' ? null : now,
      applied_at: status === 'Applied' ? now : null,
      failed_at: null,
      suspended_at: null,
      canceled_at: null,
      canceled_by: null,
      cancel_reason: null,
      updated_at: now,
    };
    const { lastInsertRowid } = this.conn
      .statement(
        `INSERT INTO ${TABLE} (channel_id, sequence, job_id, file_name, size, checksum, status, rows_affected, available_at, downloaded_at, applied_at, updated_at)
         VALUES (@channel_id, @sequence, @job_id, @file_name, @size, @checksum, @status, @rows_affected, @available_at, @downloaded_at, @applied_at, @updated_at)`,
      )
      .run(row);
    return { id: Number(lastInsertRowid), ...row };
  }

  private findNow(id: number): DownloadSession | null {
    const row = this.findRowNow(id);
    return row === undefined ? null : toSession(row);
  }

  private findRowNow(id: number): Row | undefined {
    return this.conn.statement(`SELECT * FROM ${TABLE} WHERE id = ? AND channel_id = ?`).get(id, this.conn.channelId) as Row | undefined;
  }

  private mustFindRow(id: number): Row {
    const row = this.findRowNow(id);
    if (row === undefined) {
      throw new AsyncClientError(
        'E_SESSION_NOT_FOUND',
        `no download session ${id} for channel ${this.conn.channelId}: list them with \`async-client sessions list\``,
        { sessionId: id },
      );
    }
    return row;
  }
}
