import type { Database } from 'better-sqlite3';

/** A SQLite identifier, quoted: table and column names come from packages and profiles. */
export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface SqliteColumn {
  readonly name: string;
  readonly declaredType: string;
  readonly notNull: boolean;
  readonly hasDefault: boolean;
}

/** What the apply and upload checks need to know of one existing table. */
export interface SqliteTable {
  /** As the database spells it (SQLite names are case-insensitive). */
  readonly name: string;
  readonly columns: readonly SqliteColumn[];
  readonly primaryKey: readonly string[];
  /** The primary key and every full (not partial) unique index, as column lists. */
  readonly uniqueKeys: readonly (readonly string[])[];
  /** Columns that lead some index, so a range scan on them is cheap. */
  readonly indexLeaders: readonly string[];
  /** Whether the table has a rowid, which is then also an indexed counter. */
  readonly hasRowid: boolean;
}

interface TableInfoRow {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}
interface IndexListRow {
  name: string;
  unique: number;
  partial: number;
}
interface IndexInfoRow {
  seqno: number;
  name: string | null;
}

export function readTable(db: Database, name: string): SqliteTable | null {
  const listed = db.prepare("SELECT name, wr FROM pragma_table_list WHERE type = 'table' AND name = ? COLLATE NOCASE").get(name) as
    | { name: string; wr: number }
    | undefined;
  if (listed === undefined) return null;
  const info = db.prepare('SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)').all(listed.name) as TableInfoRow[];
  const columns = info.map((c) => ({ name: c.name, declaredType: c.type, notNull: c.notnull === 1, hasDefault: c.dflt_value !== null }));
  const primaryKey = info
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
  const uniqueKeys: string[][] = primaryKey.length > 0 ? [primaryKey] : [];
  const indexLeaders: string[] = [];
  const indexes = db.prepare('SELECT name, "unique", partial FROM pragma_index_list(?)').all(listed.name) as IndexListRow[];
  for (const index of indexes) {
    const keyColumns = (db.prepare('SELECT seqno, name FROM pragma_index_info(?)').all(index.name) as IndexInfoRow[])
      .sort((a, b) => a.seqno - b.seqno)
      .map((c) => c.name);
    if (keyColumns.some((c) => c === null)) continue;
    const named = keyColumns as string[];
    if (named[0] !== undefined) indexLeaders.push(named[0]);
    if (index.unique === 1 && index.partial === 0) uniqueKeys.push(named);
  }
  if (primaryKey[0] !== undefined) indexLeaders.push(primaryKey[0]);
  return { name: listed.name, columns, primaryKey, uniqueKeys, indexLeaders, hasRowid: listed.wr === 0 };
}

export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function findColumn(table: SqliteTable, name: string): SqliteColumn | undefined {
  return table.columns.find((c) => sameName(c.name, name));
}

/** Whether `columns` (in any order) are exactly one of the table's unique keys: ON CONFLICT needs one. */
export function hasUniqueKey(table: SqliteTable, columns: readonly string[]): boolean {
  return table.uniqueKeys.some((key) => key.length === columns.length && key.every((k) => columns.some((c) => sameName(c, k))));
}

/** The names SQLite accepts for a rowid table's rowid. */
export function isRowidName(name: string): boolean {
  return ['rowid', '_rowid_', 'oid'].includes(name.toLowerCase());
}

/** A column declared exactly `INTEGER PRIMARY KEY` is the rowid under another name. */
export function isRowidAlias(table: SqliteTable, column: SqliteColumn): boolean {
  return (
    table.hasRowid &&
    table.primaryKey.length === 1 &&
    sameName(table.primaryKey[0] ?? '', column.name) &&
    column.declaredType.toUpperCase() === 'INTEGER'
  );
}
