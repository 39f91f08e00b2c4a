import type { Database } from 'better-sqlite3';

const memos = new WeakMap<Database, { version: number; values: Map<string, unknown> }>();

/**
 * What was worked out from the schema (a table's check, its prepared statements) for as long as
 * the schema stays as it was: SQLite bumps `schema_version` on every schema change, by us or the
 * POS. A backlog of small packages then checks its tables and prepares its statements once.
 */
export function schemaMemo<T>(db: Database, key: string, make: () => T): T {
  const version = Number(db.pragma('schema_version', { simple: true }));
  let memo = memos.get(db);
  if (memo === undefined || memo.version !== version) {
    memo = { version, values: new Map() };
    memos.set(db, memo);
  }
  if (memo.values.has(key)) return memo.values.get(key) as T;
  const value = make();
  memo.values.set(key, value);
  return value;
}
