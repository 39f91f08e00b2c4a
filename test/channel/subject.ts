import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import type { ChannelSettings } from '../../src/profile/profile.js';

export type SqlParam = string | number | bigint | null;

/** One adapter under test, over a fresh database that the test can also reach directly. */
export interface ChannelDatabaseSubject {
  /** Opened for channel `store-1` and migrated. */
  readonly db: ChannelDatabase;
  /** Runs portable SQL on a connection of its own, as the POS would. */
  pos(sql: string, ...params: SqlParam[]): Promise<void>;
  /** Reads with portable SQL on a connection of its own; integers come back as numbers. */
  query(sql: string, ...params: SqlParam[]): Promise<Record<string, unknown>[]>;
  /** Whether the POS's schema holds table `name`. */
  hasTable(name: string): Promise<boolean>;
  /** The profile's `channel.database` that reaches this database. */
  readonly setting: ChannelSettings['database'];
  /** The adapter once more on the same database, as a second process would have it; the caller closes it. */
  connect(): Promise<ChannelDatabase>;
  /** Closes `db` and opens the same database again, as a restarted daemon would. */
  reopen(): Promise<ChannelDatabase>;
  cleanup(): Promise<void>;
}

export type SubjectFactory = () => Promise<ChannelDatabaseSubject>;
