import type { Database } from 'better-sqlite3';
import type { PackageRow, TableSpec } from '../package/types.js';
import type { UpsertTaker } from '../package/upsert-taker.js';
import { isOtherProcessAlive } from '../process-alive.js';
import { quoteName } from './sqlite-schema.js';
import { type Binder, bindersFor, bindsScannedRows, type RowTarget, RowWriter } from './sqlite-row-writer.js';
import type { WriterThread } from './sqlite-writer-thread.js';
import { declaredTypes, keyMatch, type TableLoad, type ThreadTarget } from './sqlite-table-load.js';
import { ThreadTableRows } from './sqlite-thread-rows.js';
import { createTableSql } from './sqlite-table-check.js';

/** `async_client_shadow_<pid>_<n>`: the pid tells a leftover of a killed process from a live one's. */
const SHADOW_PREFIX = 'async_client_shadow_';
const SHADOW_NAME = /^async_client_shadow_(\d+)_\d+$/;
/** The table's name as its CREATE TABLE spells it: quoted in any of SQLite's four ways, or bare. */
const CREATE_TABLE = /^CREATE TABLE\s+("(?:[^"]|"")*"|\[[^\]]*\]|`(?:[^`]|``)*`|'(?:[^']|'')*'|[^\s(]+)/i;

let shadowsMade = 0;
/** Shadows this process is building now: the sweep leaves them alone. */
const building = new Set<string>();

/** An existing table as a shadow must copy it. */
interface Original {
  readonly name: string;
  /** Its CREATE TABLE with the name cut out: `CREATE TABLE <name>` + this. */
  readonly definition: string;
  /** Its own CREATE INDEX statements, run again on the new table in the swap. */
  readonly indexes: readonly string[];
}

/**
 * Reads what a swap needs of table `name`, or null when the table cannot be swapped without
 * changing what it means: triggers (the POS counts or copies row changes: a full package must
 * fire them, row by row, with the rows), foreign keys either way (a dropped parent would cascade
 * or break its children), or a definition we cannot copy (a virtual table).
 */
export function swappableOriginal(db: Database, name: string): Original | null {
  const row = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) as { sql: string } | undefined;
  const match = row === undefined ? null : CREATE_TABLE.exec(row.sql);
  if (row === undefined || match === null) return null;
  const entangled = db
    .prepare(
      `SELECT 1 FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = @name COLLATE NOCASE
       UNION ALL SELECT 1 FROM pragma_foreign_key_list(@name)
       UNION ALL SELECT 1 FROM sqlite_schema s, pragma_foreign_key_list(s.name) f WHERE s.type = 'table' AND f."table" = @name COLLATE NOCASE
       LIMIT 1`,
    )
    .get({ name });
  if (entangled !== undefined) return null;
  const indexes = db
    .prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL")
    .pluck()
    .all(name) as string[];
  return { name, definition: row.sql.slice(match[0].length), indexes };
}

/**
 * A full package's table built beside the one the POS uses, under a shadow name, in short
 * transactions that let the POS write in between; the final transaction drops the old table and
 * renames the shadow into its place, which holds the write lock for a few milliseconds whatever
 * the package's size (plus the time to rebuild the table's own secondary indexes, if it has any).
 */
export class ShadowTableLoad implements TableLoad {
  readonly writesMain = true;
  seen = 0;
  private count = 0;
  private readonly shadow: string;
  /** The shadow as this thread's writer and the writer thread write it. */
  private readonly target: RowTarget;
  private readonly writer: RowWriter;
  private readonly binders: readonly Binder[];
  /** Whether rows scanned from their lines bind as `binders` bind values (`bindsScannedRows`). */
  private readonly bindsScanned: boolean;
  private thread: { readonly writer: WriterThread; readonly target: number; readonly rows: ThreadTableRows } | null = null;
  private swapped = false;

  /** Inside a write transaction: creates the shadow; `original` null for a table the package creates. */
  constructor(
    private readonly db: Database,
    readonly spec: TableSpec,
    private readonly original: Original | null,
  ) {
    shadowsMade += 1;
    this.shadow = `${SHADOW_PREFIX}${process.pid}_${shadowsMade}`;
    db.exec(original === null ? createTableSql(spec, this.shadow) : `CREATE TABLE ${quoteName(this.shadow)}${original.definition}`);
    building.add(this.shadow);
    const types = declaredTypes(db, spec, original?.name ?? null);
    const binders = bindersFor(spec, types);
    this.bindsScanned = bindsScannedRows(spec, types);
    const keyBinders = spec.primaryKey.map((k) => binders[spec.columns.findIndex((c) => c.name === k)] as Binder);
    this.binders = binders;
    this.target = {
      into: quoteName(this.shadow),
      numbered: false,
      conflict: '',
      // Every key appears at most once in a package, so a delete in a full package finds nothing: it runs for what it reports.
      deleteSql: spec.primaryKey.length === 0 ? null : `DELETE FROM ${quoteName(this.shadow)} WHERE ${keyMatch(spec)}`,
    };
    this.writer = new RowWriter(db, spec, this.target, binders, keyBinders);
  }

  get writesHere(): boolean {
    return this.thread === null;
  }

  /** From now on, rows go to `writer`, a thread with a connection of its own; returns the target it knows the shadow by. */
  writeThrough(writer: WriterThread): ThreadTarget[] {
    const target = writer.target(this.spec, this.target);
    // Deletes find nothing in a shadow (below): they go nowhere.
    this.thread = { writer, target, rows: new ThreadTableRows(this, writer, this.spec, { target, binders: this.binders }, null) };
    return [{ target, op: 'upsert' }];
  }

  write(rows: readonly PackageRow[]): void {
    if (this.thread !== null) {
      this.thread.rows.write(rows);
      return;
    }
    this.count += this.writer.write(rows, this.seen + 1);
    this.seen += rows.length;
  }

  /** With a writer thread: the rows go to it as they are read, plain upsert lines without their values made. */
  taker(): UpsertTaker | undefined {
    return this.bindsScanned ? this.thread?.rows.taker() : undefined;
  }

  finish(): number {
    if (this.thread !== null) this.count = this.thread.writer.changesOf(this.thread.target);
    const name = quoteName(this.original?.name ?? this.spec.name);
    if (this.original !== null) this.db.exec(`DROP TABLE ${name}`);
    // Legacy renaming leaves views and other tables' triggers naming the table as they are: they meant this table.
    this.db.pragma('legacy_alter_table = ON');
    try {
      this.db.exec(`ALTER TABLE ${quoteName(this.shadow)} RENAME TO ${name}`);
    } finally {
      this.db.pragma('legacy_alter_table = OFF');
    }
    for (const index of this.original?.indexes ?? []) this.db.exec(index);
    this.swapped = true;
    return this.count;
  }

  discard(): void {
    building.delete(this.shadow);
    if (!this.swapped) dropTables(this.db, [this.shadow]);
  }
}

/** Drops the shadows that killed processes (or failed clean-ups of ours) left behind; returns how many. */
export function sweepShadows(db: Database): number {
  const names = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'async\\_client\\_shadow\\_%' ESCAPE '\\'")
    .pluck()
    .all() as string[];
  const stale = names.filter((name) => {
    const owner = SHADOW_NAME.exec(name)?.[1];
    return owner !== undefined && !building.has(name) && !isOtherProcessAlive(Number(owner));
  });
  dropTables(db, stale);
  return stale.length;
}

function dropTables(db: Database, names: readonly string[]): void {
  if (names.length === 0) return;
  db.transaction(() => {
    for (const name of names) db.exec(`DROP TABLE IF EXISTS ${quoteName(name)}`);
  }).immediate();
}
