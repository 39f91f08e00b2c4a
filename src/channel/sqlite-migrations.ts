import type { Database } from 'better-sqlite3';
import { AsyncClientError } from '../errors.js';

const DOWNLOAD_STATUS_CHECK = "'Available','Downloaded','Applied','ApplyFailed','Suspended','Canceled'";
const UPLOAD_STATUS_CHECK = "'Started','Available','Uploaded','UploadFailed'";

/** Each entry upgrades the journal from version index to index + 1. Never edit a released one: append. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE async_client_download_session (
    id INTEGER PRIMARY KEY,
    channel_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    job_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    size INTEGER NOT NULL,
    checksum TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN (${DOWNLOAD_STATUS_CHECK})),
    tries INTEGER NOT NULL DEFAULT 0,
    rows_affected TEXT NOT NULL DEFAULT '{}',
    error_code TEXT,
    error_message TEXT,
    next_try_at TEXT,
    available_at TEXT NOT NULL,
    downloaded_at TEXT,
    applied_at TEXT,
    failed_at TEXT,
    suspended_at TEXT,
    canceled_at TEXT,
    canceled_by TEXT,
    cancel_reason TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (channel_id, sequence, checksum)
  );
  CREATE UNIQUE INDEX async_client_download_one_applied
    ON async_client_download_session (channel_id, sequence) WHERE status = 'Applied';
  CREATE INDEX async_client_download_by_status ON async_client_download_session (channel_id, status, sequence);

  CREATE TABLE async_client_upload_session (
    id INTEGER PRIMARY KEY,
    channel_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN (${UPLOAD_STATUS_CHECK})),
    rows INTEGER NOT NULL,
    file_name TEXT,
    size INTEGER,
    checksum TEXT,
    tries INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    next_try_at TEXT,
    started_at TEXT NOT NULL,
    available_at TEXT,
    uploaded_at TEXT,
    failed_at TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (channel_id, sequence)
  );
  CREATE TABLE async_client_upload_range (
    session_id INTEGER NOT NULL REFERENCES async_client_upload_session (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    table_name TEXT NOT NULL,
    from_exclusive INTEGER NOT NULL,
    to_inclusive INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    PRIMARY KEY (session_id, position)
  );
  CREATE TABLE async_client_watermark (
    channel_id TEXT NOT NULL,
    table_name TEXT NOT NULL,
    counter INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (channel_id, table_name)
  );
  `,
];

export const JOURNAL_SCHEMA_VERSION = MIGRATIONS.length;

/** The journal's schema version, or null when the journal was never created here. */
export function readSchemaVersion(db: Database): number | null {
  const table = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'async_client_meta'").get();
  if (table === undefined) return null;
  const row = db.prepare("SELECT value FROM async_client_meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  return row === undefined ? null : Number(row.value);
}

/**
 * Brings the journal to this build's version in one transaction. A database written by a
 * newer build is refused: an older build must not guess at tables it does not know.
 */
export function migrate(db: Database, location: string): number {
  return db
    .transaction(() => {
      const current = readSchemaVersion(db) ?? 0;
      if (current > JOURNAL_SCHEMA_VERSION) {
        throw new AsyncClientError(
          'E_DATABASE_SCHEMA_NEWER',
          `the journal in ${location} has schema version ${current}, newer than the ${JOURNAL_SCHEMA_VERSION} this build knows: run the newer async-client, or restore a matching backup`,
          { location, found: current, known: JOURNAL_SCHEMA_VERSION },
        );
      }
      db.exec('CREATE TABLE IF NOT EXISTS async_client_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
      for (const migration of MIGRATIONS.slice(current)) db.exec(migration);
      db.prepare(
        "INSERT INTO async_client_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ).run(String(JOURNAL_SCHEMA_VERSION));
      return JOURNAL_SCHEMA_VERSION;
    })
    .immediate();
}
