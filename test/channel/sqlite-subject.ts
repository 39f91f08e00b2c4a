import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import { openSqliteChannelDatabase, type SqliteChannelDatabaseOptions } from '../../src/channel/sqlite-channel-database.js';
import type { ChannelDatabaseSubject, SqlParam } from './subject.js';

/**
 * A migrated SQLite channel database, with a POS connection of its own: `file`, or one in a
 * fresh temp folder removed on cleanup.
 */
export async function openSqliteSubject(
  options: Partial<SqliteChannelDatabaseOptions> = {},
  file?: string,
): Promise<ChannelDatabaseSubject & { readonly file: string }> {
  const folder = file === undefined ? await mkdtemp(path.join(os.tmpdir(), 'async-client-channel-')) : undefined;
  const location = file ?? path.join(folder as string, 'channel.db');
  const open = async (): Promise<ChannelDatabase> => {
    const db = await openSqliteChannelDatabase(location, { channelId: 'store-1', minFreeBytes: 0, ...options });
    await db.migrate();
    return db;
  };
  let db = await open();
  const pos = new Database(location, { timeout: 10_000 });
  return {
    file: location,
    setting: location,
    get db() {
      return db;
    },
    async pos(sql: string, ...params: SqlParam[]) {
      if (params.length === 0) pos.exec(sql);
      else pos.prepare(sql).run(...params);
    },
    async query(sql: string, ...params: SqlParam[]) {
      return pos.prepare(sql).all(...params) as Record<string, unknown>[];
    },
    async hasTable(name: string) {
      return pos.prepare('SELECT 1 FROM sqlite_schema WHERE type = ? AND name = ?').get('table', name) !== undefined;
    },
    connect: open,
    async reopen() {
      await db.close();
      db = await open();
      return db;
    },
    async cleanup() {
      pos.close();
      await db.close();
      if (folder !== undefined) await rm(folder, { recursive: true, force: true });
    },
  };
}
