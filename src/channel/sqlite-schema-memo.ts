import type { Database, Statement } from 'better-sqlite3';

interface Memo {
  /** `PRAGMA schema_version`, prepared once: `db.pragma` prepares its statement at every call, twice per small package. */
  readonly schemaVersion: Statement;
  version: number;
  values: Map<string, unknown>;
}

const memos = new WeakMap<Database, Memo>();

/**
 * What was worked out from the schema (a table's check, its prepared statements) for as long as
 * the schema stays as it was: SQLite bumps `schema_version` on every schema change, by us or the
 * POS. A backlog of small packages then checks its tables and prepares its statements once.
 */
export function schemaMemo<T>(db: Database, key: string, make: () => T): T {
  let memo = memos.get(db);
  if (memo === undefined) {
    memo = { schemaVersion: db.prepare('PRAGMA schema_version').pluck(), version: -1, values: new Map() };
    memos.set(db, memo);
  }
  const version = Number(memo.schemaVersion.get());
  if (memo.version !== version) {
    memo.version = version;
    memo.values = new Map();
  }
  if (memo.values.has(key)) return memo.values.get(key) as T;
  const value = make();
  memo.values.set(key, value);
  return value;
}
