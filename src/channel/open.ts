import type { ChannelSettings } from '../profile/profile.js';
import type { ChannelDatabase } from './channel-database.js';
import { openPostgresChannelDatabase } from './postgres-channel-database.js';
import { openSqliteChannelDatabase } from './sqlite-channel-database.js';

export interface OpenChannelDatabaseOptions {
  /** Read only (status and journal commands): every write fails with E_DATABASE_READONLY. */
  readonly readonly?: boolean;
}

/** The profile's channel database through its adapter: a path is SQLite, a map names its engine. */
export function openChannelDatabase(channel: ChannelSettings, options: OpenChannelDatabaseOptions = {}): Promise<ChannelDatabase> {
  const { database } = channel;
  if (typeof database === 'string') return openSqliteChannelDatabase(database, { channelId: channel.id, readonly: options.readonly });
  return openPostgresChannelDatabase(database, {
    channelId: channel.id,
    readonly: options.readonly,
    lockTimeoutMs: database.lockTimeoutSeconds * 1000,
    statementTimeoutMs: database.statementTimeoutSeconds * 1000,
  });
}
