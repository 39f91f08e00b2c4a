import type { ChannelSettings } from '../profile/profile.js';
import type { ChannelDatabase } from './channel-database.js';

export interface OpenChannelDatabaseOptions {
  /** Read only (status and journal commands): every write fails with E_DATABASE_READONLY. */
  readonly readonly?: boolean;
}

/**
 * The profile's channel database through its adapter: a path is SQLite, a map names its engine.
 * Only the adapter in use is loaded (a SQLite store never loads the PostgreSQL driver).
 */
export async function openChannelDatabase(channel: ChannelSettings, options: OpenChannelDatabaseOptions = {}): Promise<ChannelDatabase> {
  const { database } = channel;
  if (typeof database === 'string') {
    const { openSqliteChannelDatabase } = await import('./sqlite-channel-database.js');
    return openSqliteChannelDatabase(database, { channelId: channel.id, readonly: options.readonly });
  }
  const { openPostgresChannelDatabase } = await import('./postgres-channel-database.js');
  return openPostgresChannelDatabase(database, {
    channelId: channel.id,
    readonly: options.readonly,
    lockTimeoutMs: database.lockTimeoutSeconds * 1000,
    statementTimeoutMs: database.statementTimeoutSeconds * 1000,
  });
}
