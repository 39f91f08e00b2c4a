import type pg from 'pg';
import { AsyncClientError } from '../errors.js';
import { quoteIdent } from './postgres-connection.js';

const DOWNLOAD_STATUS_CHECK = "'Available','Downloaded','Applied','ApplyFailed','Suspended','Canceled'";
const UPLOAD_STATUS_CHECK = "'Started','Available','Uploaded','UploadFailed'";

/**
 * Each entry upgrades the journal from version index to index + 1, inside the journal's own
 * schema (`$s`). Never edit a released one: append. Versions count as SQLite's do.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE $s.download_session (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_id text NOT NULL,
    sequence bigint NOT NULL,
    job_id text NOT NULL,
    file_name text NOT NULL,
    size bigint NOT NULL,
    checksum text NOT NULL,
    status text NOT NULL CHECK (status IN (${DOWNLOAD_STATUS_CHECK})),
    tries integer NOT NULL DEFAULT 0,
    rows_affected jsonb NOT NULL DEFAULT '{}',
    error_code text,
    error_message text,
    next_try_at timestamptz,
    available_at timestamptz NOT NULL,
    downloaded_at timestamptz,
    applied_at timestamptz,
    failed_at timestamptz,
    suspended_at timestamptz,
    canceled_at timestamptz,
    canceled_by text,
    cancel_reason text,
    updated_at timestamptz NOT NULL,
    UNIQUE (channel_id, sequence, checksum)
  );
  CREATE UNIQUE INDEX download_one_applied ON $s.download_session (channel_id, sequence) WHERE status = 'Applied';
  CREATE INDEX download_by_status ON $s.download_session (channel_id, status, sequence);

  CREATE TABLE $s.upload_session (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_id text NOT NULL,
    sequence bigint NOT NULL,
    status text NOT NULL CHECK (status IN (${UPLOAD_STATUS_CHECK})),
    rows bigint NOT NULL,
    file_name text,
    size bigint,
    checksum text,
    tries integer NOT NULL DEFAULT 0,
    error_code text,
    error_message text,
    next_try_at timestamptz,
    started_at timestamptz NOT NULL,
    available_at timestamptz,
    uploaded_at timestamptz,
    failed_at timestamptz,
    updated_at timestamptz NOT NULL,
    UNIQUE (channel_id, sequence)
  );
  CREATE TABLE $s.upload_range (
    session_id bigint NOT NULL REFERENCES $s.upload_session (id) ON DELETE CASCADE,
    position integer NOT NULL,
    table_name text NOT NULL,
    from_exclusive bigint NOT NULL,
    to_inclusive bigint NOT NULL,
    rows bigint NOT NULL,
    PRIMARY KEY (session_id, position)
  );
  CREATE TABLE $s.watermark (
    channel_id text NOT NULL,
    table_name text NOT NULL,
    counter bigint NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (channel_id, table_name)
  );
  `,
];

export const POSTGRES_JOURNAL_SCHEMA_VERSION = MIGRATIONS.length;

/** The journal's schema version, or null when the journal was never created in `schema`. */
export async function readPostgresSchemaVersion(client: pg.ClientBase, schema: string): Promise<number | null> {
  const exists = await client.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [`${quoteIdent(schema)}.meta`]);
  if (exists.rows[0]?.found == null) return null;
  const row = await client.query<{ value: string }>(`SELECT value FROM ${quoteIdent(schema)}.meta WHERE key = 'schema_version'`);
  return row.rows[0] === undefined ? null : Number(row.rows[0].value);
}

/**
 * Brings the journal to this build's version in one transaction, under an advisory lock so
 * that two daemons starting together do not both migrate. A newer journal is refused.
 */
export async function migratePostgres(client: pg.ClientBase, schema: string, location: string): Promise<number> {
  const s = quoteIdent(schema);
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`async-client migrate ${schema}`]);
  const current = (await readPostgresSchemaVersion(client, schema)) ?? 0;
  if (current > POSTGRES_JOURNAL_SCHEMA_VERSION) {
    throw new AsyncClientError(
      'E_DATABASE_SCHEMA_NEWER',
      `the journal in ${location} (schema ${schema}) has schema version ${current}, newer than the ${POSTGRES_JOURNAL_SCHEMA_VERSION} this build knows: run the newer async-client, or restore a matching backup`,
      { location, found: current, known: POSTGRES_JOURNAL_SCHEMA_VERSION },
    );
  }
  if (current === POSTGRES_JOURNAL_SCHEMA_VERSION) return current;
  // Only when missing: CREATE SCHEMA checks the database's CREATE privilege even when the schema
  // exists, and a least-privilege service user has its schema made for it by the DBA.
  const schemaExists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (schemaExists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${s}.meta (key text PRIMARY KEY, value text NOT NULL)`);
  for (const migration of MIGRATIONS.slice(current)) await client.query(migration.replaceAll('$s', s));
  await client.query(
    `INSERT INTO ${s}.meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    [String(POSTGRES_JOURNAL_SCHEMA_VERSION)],
  );
  return POSTGRES_JOURNAL_SCHEMA_VERSION;
}
