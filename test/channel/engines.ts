import path from 'node:path';
import { openPostgresSubject } from './postgres-subject.js';
import { openSqliteSubject } from './sqlite-subject.js';
import type { ChannelDatabaseSubject } from './subject.js';

export interface EngineOptions {
  /** How long a write waits for a lock another session holds before E_DATABASE_BUSY: SQLite's busy timeout, PostgreSQL's lock_timeout. */
  readonly lockWaitMs?: number;
}

/** A channel database engine the cycle and crash tests run against, each through the same tests. */
export interface ChannelEngine {
  readonly name: 'SQLite' | 'PostgreSQL';
  /** A fresh, migrated channel database for `channelId`; SQLite's file goes in `folder`. */
  open(channelId: string, folder: string, options?: EngineOptions): Promise<ChannelDatabaseSubject>;
}

export const SQLITE: ChannelEngine = {
  name: 'SQLite',
  open: (channelId, folder, options = {}) =>
    openSqliteSubject({ channelId, minFreeBytes: 0, busyTimeoutMs: options.lockWaitMs }, path.join(folder, 'channel.sqlite')),
};

/** A fresh database on the test run's shared cluster (jest's globalSetup). */
export const POSTGRES: ChannelEngine = {
  name: 'PostgreSQL',
  open: (channelId, _folder, options = {}) => openPostgresSubject({ channelId, lockTimeoutMs: options.lockWaitMs }),
};

/** For `describe.each(CHANNEL_ENGINES)('... on $name', (engine) => ...)`. */
export const CHANNEL_ENGINES: readonly ChannelEngine[] = [SQLITE, POSTGRES];
