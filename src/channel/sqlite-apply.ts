import type { Statement } from 'better-sqlite3';
import { AsyncClientError } from '../errors.js';
import type { PackageManifest, PackageRow, RowBatch, TableSpec } from '../package/types.js';
import type { AppliedCounts, ApplyOptions } from './channel-database.js';
import type { SqliteConnection } from './sqlite-connection.js';
import type { SqliteDownloadJournal } from './sqlite-download-journal.js';
import { translateSqliteError } from './sqlite-errors.js';
import { assertMayCreate, tableUnlisted } from './schema-errors.js';
import { checkTable, createTable } from './sqlite-table-check.js';
import { quoteName } from './sqlite-schema.js';
import { toSqlite } from './sqlite-values.js';

/** Writes one package table's rows with statements prepared once. */
class TableWriter {
  private readonly write: Statement;
  /** Null for a table without a key, which only a full package can fill and nothing can delete from. */
  private readonly remove: Statement | null;
  /** Rows that changed a database row. */
  count = 0;
  /** Package rows applied so far, to name the one that fails. */
  seen = 0;

  constructor(
    conn: SqliteConnection,
    readonly spec: TableSpec,
    kind: PackageManifest['kind'],
    dbName: string,
  ) {
    const table = quoteName(dbName);
    const columns = spec.columns.map((c) => quoteName(c.name));
    const insert = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
    const updates = spec.columns
      .filter((c) => !spec.primaryKey.includes(c.name))
      .map((c) => `${quoteName(c.name)} = excluded.${quoteName(c.name)}`);
    const onConflict = ` ON CONFLICT (${spec.primaryKey.map(quoteName).join(', ')}) DO ${updates.length === 0 ? 'NOTHING' : `UPDATE SET ${updates.join(', ')}`}`;
    // A full package starts from an empty table: a plain insert, where a duplicate key is an error.
    this.write = conn.statement(kind === 'full' ? insert : insert + onConflict);
    this.remove =
      spec.primaryKey.length === 0
        ? null
        : conn.statement(`DELETE FROM ${table} WHERE ${spec.primaryKey.map((k) => `${quoteName(k)} = ?`).join(' AND ')}`);
  }

  apply(row: PackageRow): void {
    this.seen += 1;
    if (row.op === 'upsert') {
      this.count += this.write.run(row.values.map(toSqlite)).changes;
    } else if (this.remove === null) {
      throw new AsyncClientError('E_SCHEMA_KEY_MISMATCH', 'the package deletes by key from a table it gives no primary key');
    } else {
      this.count += this.remove.run(row.key.map(toSqlite)).changes;
    }
  }
}

/**
 * Applies a package in one BEGIN IMMEDIATE ... COMMIT around the asynchronous batches: the
 * caller holds the connection alone (SqliteConnection.exclusive) until it commits or rolls back.
 */
export async function applyPackage(
  conn: SqliteConnection,
  journal: SqliteDownloadJournal,
  manifest: PackageManifest,
  batches: AsyncIterable<RowBatch>,
  options: ApplyOptions,
): Promise<AppliedCounts> {
  const { db } = conn;
  db.exec('BEGIN IMMEDIATE');
  try {
    journal.assertApplicable(options.sessionId);
    // Every table is checked before the first write: a refused package has written nothing to undo.
    const existing = manifest.tables.map((spec) => {
      const name = checkTable(db, spec, manifest.kind);
      if (name === null) assertMayCreate(spec, manifest.kind, options.allowCreateTables);
      return name;
    });
    const writers = new Map<string, TableWriter>();
    manifest.tables.forEach((spec, i) => {
      const dbName = existing[i] ?? createTable(db, spec);
      if (manifest.kind === 'full') db.exec(`DELETE FROM ${quoteName(dbName)}`);
      writers.set(spec.name, new TableWriter(conn, spec, manifest.kind, dbName));
    });
    for await (const batch of batches) {
      const writer = writers.get(batch.table.name);
      if (writer === undefined) throw tableUnlisted(manifest, batch.table.name);
      for (const row of batch.rows) applyRow(conn, writer, row);
    }
    const counts: AppliedCounts = Object.fromEntries([...writers].map(([name, writer]) => [name, writer.count]));
    journal.markAppliedNow(options.sessionId, counts);
    db.exec('COMMIT');
    return counts;
  } catch (error) {
    // SQLite has already rolled back after some errors (SQLITE_FULL among them).
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

function applyRow(conn: SqliteConnection, writer: TableWriter, row: PackageRow): void {
  try {
    writer.apply(row);
  } catch (error) {
    const table = writer.spec.name;
    const where = `${row.op} of row ${writer.seen} of table ${table}`;
    if (error instanceof AsyncClientError)
      throw new AsyncClientError(error.code, `${where}: ${error.message}`, { ...error.details, table, row: writer.seen });
    throw translateSqliteError(error, conn.location, where, { table, row: writer.seen });
  }
}
