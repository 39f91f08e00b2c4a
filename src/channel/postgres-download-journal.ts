import type pg from 'pg';
import { AsyncClientError } from '../errors.js';
import type { DownloadJournal, DownloadSession, SeenPackage, SessionFailure, SessionListFilter } from './download-journal.js';
import {
  type DownloadSessionRow,
  downloadChanges,
  type DownloadChanges,
  sequenceConflict,
  toDownloadSession,
} from './download-session-row.js';
import { type PostgresConnection, quoteIdent, type Row } from './postgres-connection.js';
import { assertDownloadTransition, type DownloadStatus } from './session-status.js';

const TIMES = ['next_try_at', 'available_at', 'downloaded_at', 'applied_at', 'failed_at', 'suspended_at', 'canceled_at', 'updated_at'];
/** Times as ISO 8601 (to_json), counts as text the row mapping turns into numbers. */
const COLUMNS = [
  'id',
  'channel_id',
  'sequence',
  'job_id',
  'file_name',
  'size',
  'checksum',
  'status',
  'tries',
  'rows_affected::text AS rows_affected',
  'error_code',
  'error_message',
  'canceled_by',
  'cancel_reason',
  ...TIMES.map((c) => `to_json(${c}) #>> '{}' AS ${c}`),
].join(', ');

function toSession(row: Row): DownloadSession {
  return toDownloadSession({
    ...row,
    id: Number(row.id),
    sequence: Number(row.sequence),
    size: Number(row.size),
    tries: Number(row.tries),
  } as unknown as DownloadSessionRow);
}

/** The download journal in the journal schema's `download_session` table. */
export class PostgresDownloadJournal implements DownloadJournal {
  private readonly table: string;

  constructor(private readonly conn: PostgresConnection) {
    this.table = `${quoteIdent(conn.journalSchema)}.download_session`;
  }

  record(pkg: SeenPackage): Promise<DownloadSession> {
    return this.conn.write(`recording download package ${pkg.sequence}`, (client) => this.recordNow(client, pkg));
  }

  recordDownloaded(pkg: SeenPackage): Promise<DownloadSession> {
    return this.conn.write(`recording download package ${pkg.sequence} Downloaded`, async (client) => {
      const session = await this.recordNow(client, pkg);
      return this.changeNow(client, session.id, 'Downloaded', downloadChanges.downloaded());
    });
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
    return this.conn.exclusive(`reading download session ${id}`, (client) => this.findNow(client, id));
  }

  findBySequence(sequence: number): Promise<DownloadSession | null> {
    return this.conn.exclusive(`reading download sequence ${sequence}`, async (client) => {
      const { rows } = await client.query<Row>(
        `SELECT ${COLUMNS} FROM ${this.table} WHERE channel_id = $1 AND sequence = $2 ORDER BY id DESC LIMIT 1`,
        [this.conn.channelId, sequence],
      );
      return rows[0] === undefined ? null : toSession(rows[0]);
    });
  }

  list(filter: SessionListFilter<DownloadStatus> = {}): Promise<DownloadSession[]> {
    return this.conn.exclusive('listing download sessions', async (client) => {
      const { rows } = await client.query<Row>(
        `SELECT ${COLUMNS} FROM ${this.table} WHERE channel_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY sequence DESC, id DESC LIMIT $3`,
        [this.conn.channelId, filter.status ?? null, filter.limit ?? 50],
      );
      return rows.map(toSession);
    });
  }

  highestApplied(): Promise<number> {
    return this.conn.exclusive('reading the highest applied sequence', async (client) => {
      const { rows } = await client.query<Row>(
        `SELECT MAX(sequence) AS sequence FROM ${this.table} WHERE channel_id = $1 AND status = 'Applied'`,
        [this.conn.channelId],
      );
      return Number(rows[0]?.sequence ?? 0);
    });
  }

  pending(): Promise<DownloadSession[]> {
    return this.conn.exclusive('listing pending download sessions', async (client) => {
      const { rows } = await client.query<Row>(
        `SELECT ${COLUMNS} FROM ${this.table} WHERE channel_id = $1 AND status NOT IN ('Applied', 'Canceled') ORDER BY sequence, id`,
        [this.conn.channelId],
      );
      return rows.map(toSession);
    });
  }

  /** Inside the apply's transaction: locks the session and throws unless it may become Applied. */
  async assertApplicable(client: pg.ClientBase, id: number): Promise<void> {
    assertDownloadTransition(id, (await this.mustFind(client, id, ' FOR UPDATE')).status, 'Applied');
  }

  /** Inside the apply's transaction, after the rows: the Applied record that commits with them. */
  markAppliedNow(client: pg.ClientBase, id: number, rowsAffected: Readonly<Record<string, number>>): Promise<DownloadSession> {
    return this.changeNow(client, id, 'Applied', downloadChanges.applied(rowsAffected));
  }

  prune(olderThan: Date, limit: number): Promise<number> {
    return this.conn.write('pruning old download sessions', async (client) => {
      const result = await client.query(
        `DELETE FROM ${this.table} WHERE id IN (SELECT id FROM ${this.table} WHERE channel_id = $1 AND status IN ('Applied', 'Canceled') AND updated_at < $2
           AND sequence < (SELECT COALESCE(MAX(sequence), 0) FROM ${this.table} WHERE channel_id = $1 AND status = 'Applied') ORDER BY updated_at, id LIMIT $3)`,
        [this.conn.channelId, olderThan.toISOString(), limit],
      );
      return result.rowCount ?? 0;
    });
  }

  private change(id: number, to: DownloadStatus, changes: DownloadChanges): Promise<DownloadSession> {
    return this.conn.write(`marking download session ${id} ${to}`, (client) => this.changeNow(client, id, to, changes));
  }

  /** The session of `pkg`'s sequence and checksum, recorded Available when new. */
  private async recordNow(client: pg.ClientBase, pkg: SeenPackage): Promise<DownloadSession> {
    // Two recorders of one sequence (daemon and a one-shot command) take turns.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`async-client download ${this.conn.channelId} ${pkg.sequence}`]);
    const sessions = (
      await client.query<Row>(`SELECT ${COLUMNS} FROM ${this.table} WHERE channel_id = $1 AND sequence = $2 ORDER BY id DESC`, [
        this.conn.channelId,
        pkg.sequence,
      ])
    ).rows.map(toSession);
    const same = sessions.find((s) => s.checksum === pkg.checksum);
    if (same !== undefined) return same;
    const blocking = sessions.find((s) => s.status !== 'Canceled');
    if (blocking !== undefined) throw sequenceConflict(blocking, pkg);
    const now = this.conn.now().toISOString();
    const inserted = await client.query<Row>(
      `INSERT INTO ${this.table} (channel_id, sequence, job_id, file_name, size, checksum, status, available_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'Available', $7, $7) RETURNING ${COLUMNS}`,
      [this.conn.channelId, pkg.sequence, pkg.jobId, pkg.fileName, pkg.size, pkg.checksum, now],
    );
    return toSession(inserted.rows[0] as Row);
  }

  private async changeNow(client: pg.ClientBase, id: number, to: DownloadStatus, changes: DownloadChanges): Promise<DownloadSession> {
    const session = await this.mustFind(client, id, ' FOR UPDATE');
    assertDownloadTransition(id, session.status, to);
    const now = this.conn.now().toISOString();
    const values = { ...changes(now, session), status: to, updated_at: now };
    const columns = Object.keys(values);
    const { rows } = await client.query<Row>(
      `UPDATE ${this.table} SET ${columns.map((c, i) => `${c} = $${i + 1}`).join(', ')} WHERE id = $${columns.length + 1} RETURNING ${COLUMNS}`,
      [...Object.values(values), id],
    );
    return toSession(rows[0] as Row);
  }

  private async findNow(client: pg.ClientBase, id: number, lock = ''): Promise<DownloadSession | null> {
    const { rows } = await client.query<Row>(`SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1 AND channel_id = $2${lock}`, [
      id,
      this.conn.channelId,
    ]);
    return rows[0] === undefined ? null : toSession(rows[0]);
  }

  private async mustFind(client: pg.ClientBase, id: number, lock = ''): Promise<DownloadSession> {
    const session = await this.findNow(client, id, lock);
    if (session === null) {
      throw new AsyncClientError(
        'E_SESSION_NOT_FOUND',
        `no download session ${id} for channel ${this.conn.channelId}: list them with \`async-client sessions list\``,
        { sessionId: id },
      );
    }
    return session;
  }
}
