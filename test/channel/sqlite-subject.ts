import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import { openSqliteChannelDatabase, type SqliteChannelDatabaseOptions } from '../../src/channel/sqlite-channel-database.js';
import type { ChannelDatabaseSubject, SqlParam } from './subject.js';

/** A migrated SQLite channel database in a fresh temp folder, with a POS connection of its own. */
export async function openSqliteSubject(
  options: Partial<SqliteChannelDatabaseOptions> = {},
): Promise<ChannelDatabaseSubject & { readonly file: string }> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'async-client-channel-'));
  const file = path.join(folder, 'channel.db');
  const open = async (): Promise<ChannelDatabase> => {
    const db = await openSqliteChannelDatabase(file, { channelId: 'store-1', minFreeBytes: 0, ...options });
    await db.migrate();
    return db;
  };
  let db = await open();
  const pos = new Database(file, { timeout: 10_000 });
  return {
    file,
    get db() {
      return db;
    },
    async pos(sql: string, ...params: SqlParam[]) {
      pos.prepare(sql).run(...params);
    },
    async query(sql: string, ...params: SqlParam[]) {
      return pos.prepare(sql).all(...params) as Record<string, unknown>[];
    },
    async reopen() {
      await db.close();
      db = await open();
      return db;
    },
    async cleanup() {
      pos.close();
      await db.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}
