import { AsyncClientError } from '../errors.js';
import { loadOnFirstUse } from '../load-on-first-use.js';
import type { PackageManifest, RowBatch } from '../package/types.js';
import type { AppliedCounts, ApplyOptions, ApplyPolicy, ChannelDatabase, DatabaseDescription } from './channel-database.js';
import type { DownloadSession, SeenPackage } from './download-journal.js';
import { PostgresConnection, type Row } from './postgres-connection.js';
import { PostgresDownloadJournal } from './postgres-download-journal.js';
import { migratePostgres, readPostgresSchemaVersion } from './postgres-migrations.js';
import { assertPrivileges } from './postgres-table-check.js';
import { clientConfig, DEFAULT_JOURNAL_SCHEMA, DEFAULT_SCHEMA, describeTarget, type PostgresTarget } from './postgres-target.js';
import { PostgresUploadStore } from './postgres-upload-store.js';

/** The apply's modules (the COPY stage, the swap, pg-copy-streams) load with the first package. */
const loadApply = loadOnFirstUse(() => import('./postgres-apply.js'));

export interface PostgresChannelDatabaseOptions {
  /** The channel whose sessions this connection journals. */
  readonly channelId: string;
  /** How long a statement waits for a lock the POS holds before E_DATABASE_BUSY; default 5000. */
  readonly lockTimeoutMs?: number;
  /** A statement running longer fails with E_DATABASE_TIMEOUT; default 0, none. */
  readonly statementTimeoutMs?: number;
  /** How long an upload plan waits for POS transactions that may hold lower counters; default 5000. */
  readonly transactionWaitMs?: number;
  /** Read only (status and journal commands): every write fails with E_DATABASE_READONLY. */
  readonly readonly?: boolean;
  /** The journal's clock; default the system clock. */
  readonly now?: () => Date;
}

/**
 * Opens a PostgreSQL channel database for the daemon and logs in once, so that a server that
 * is down or a wrong password shows at start (E_DATABASE_UNREACHABLE, E_DATABASE_AUTH).
 */
export async function openPostgresChannelDatabase(
  target: PostgresTarget,
  options: PostgresChannelDatabaseOptions,
): Promise<ChannelDatabase> {
  const location = describeTarget(target);
  const conn = new PostgresConnection(
    await clientConfig(target),
    {
      lockTimeoutMs: options.lockTimeoutMs ?? 5000,
      statementTimeoutMs: options.statementTimeoutMs ?? 0,
      readonly: options.readonly ?? false,
    },
    location,
    target.journalSchema ?? DEFAULT_JOURNAL_SCHEMA,
    target.schema ?? DEFAULT_SCHEMA,
    options.channelId,
    options.now ?? (() => new Date()),
  );
  try {
    const { version, schemaVersion } = await conn.exclusive('connecting to the channel database', async (client) => {
      const { rows } = await client.query<Row>('SELECT version() AS v');
      return { version: rows[0]?.v ?? '', schemaVersion: await readPostgresSchemaVersion(client, conn.journalSchema) };
    });
    return new PostgresChannelDatabase(conn, version, schemaVersion, options);
  } catch (error) {
    await conn.close();
    throw error;
  }
}

class PostgresChannelDatabase implements ChannelDatabase {
  readonly downloads: PostgresDownloadJournal;
  readonly uploads: PostgresUploadStore;
  constructor(
    private readonly conn: PostgresConnection,
    private readonly serverVersion: string,
    private schemaVersion: number | null,
    private readonly options: PostgresChannelDatabaseOptions,
  ) {
    this.downloads = new PostgresDownloadJournal(conn);
    this.uploads = new PostgresUploadStore(conn, options.transactionWaitMs ?? 5000);
  }

  async migrate(): Promise<number> {
    this.schemaVersion = await this.conn.write('migrating the journal', (client) =>
      migratePostgres(client, this.conn.journalSchema, this.conn.location),
    );
    return this.schemaVersion;
  }

  /** Start-up preflight: the server takes writes (not a standby), and the service user may use both schemas. */
  async check(): Promise<void> {
    await this.conn.exclusive('checking that the channel database is writable', async (client) => {
      const { rows } = await client.query<Row>('SELECT pg_is_in_recovery() AS standby, current_setting($1) AS readonly', [
        'default_transaction_read_only',
      ]);
      if (rows[0]?.standby === 't' || rows[0]?.readonly === 'on') {
        throw new AsyncClientError(
          'E_DATABASE_READONLY',
          `the channel database ${this.conn.location} takes no writes (a standby, or default_transaction_read_only): point the profile at the primary`,
          { location: this.conn.location },
        );
      }
      await assertPrivileges(client, `schema ${this.conn.schema}`, 'has_schema_privilege($1, $2)', this.conn.schema, ['USAGE']);
      await assertPrivileges(client, `schema ${this.conn.journalSchema}`, 'has_schema_privilege($1, $2)', this.conn.journalSchema, [
        'USAGE',
      ]);
      this.schemaVersion = await readPostgresSchemaVersion(client, this.conn.journalSchema);
    });
  }

  describe(): DatabaseDescription {
    return {
      engine: 'postgres',
      location: this.conn.location,
      readonly: this.options.readonly ?? false,
      schemaVersion: this.schemaVersion,
      settings: {
        schema: this.conn.schema,
        journalSchema: this.conn.journalSchema,
        lockTimeoutMs: this.options.lockTimeoutMs ?? 5000,
        statementTimeoutMs: this.options.statementTimeoutMs ?? 0,
        serverVersion: this.serverVersion.split(' ').slice(0, 2).join(' '),
      },
    };
  }

  async applyPackage(manifest: PackageManifest, batches: AsyncIterable<RowBatch>, options: ApplyOptions): Promise<AppliedCounts> {
    return (await this.apply(manifest, batches, options)).rowsAffected;
  }

  /** Recorded first, in a transaction of its own: the session shows Downloaded while the rows are copied (each commit here is flushed anyway). */
  async recordAndApply(
    pkg: SeenPackage,
    manifest: PackageManifest,
    batches: AsyncIterable<RowBatch>,
    policy: ApplyPolicy,
  ): Promise<DownloadSession> {
    const session = await this.downloads.recordDownloaded(pkg);
    return this.apply(manifest, batches, { ...policy, sessionId: session.id });
  }

  private apply(manifest: PackageManifest, batches: AsyncIterable<RowBatch>, options: ApplyOptions): Promise<DownloadSession> {
    return this.conn.exclusive(`applying package ${manifest.sequence}`, async (client) =>
      (await loadApply()).applyPostgresPackage(client, this.conn, this.downloads, manifest, batches, options),
    );
  }

  /** Every commit of ours is flushed before it returns (synchronous_commit at least local, see PostgresConnection), so nothing waits. */
  async flush(): Promise<void> {}

  close(): Promise<void> {
    return this.conn.close();
  }
}
