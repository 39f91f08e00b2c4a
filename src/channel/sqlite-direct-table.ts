import type { Database } from 'better-sqlite3';
import type { PackageKind, PackageRow, TableSpec } from '../package/types.js';
import { type Binder, bindersFor, RowWriter } from './sqlite-row-writer.js';
import { quoteName } from './sqlite-schema.js';
import { schemaMemo } from './sqlite-schema-memo.js';
import { createTableSql } from './sqlite-table-check.js';
import { declaredTypes, keyMatch, type TableLoad, upsertClause } from './sqlite-table-load.js';

/**
 * A small package's table written in place, inside the one transaction that also marks the
 * session Applied: for a few thousand rows that transaction is as short as a staged package's
 * final one, and staging would only add work. `full` empties the table first.
 */
export class DirectTableLoad implements TableLoad {
  readonly writesMain = true;
  readonly writesHere = true;
  seen = 0;
  private count = 0;
  private readonly writer: RowWriter;

  /** Inside the transaction: creates a missing table (`name` null), empties a full package's. */
  constructor(
    db: Database,
    readonly spec: TableSpec,
    kind: PackageKind,
    name: string | null,
  ) {
    const table = quoteName(name ?? spec.name);
    if (name === null) db.exec(createTableSql(spec, spec.name));
    else if (kind === 'full') db.exec(`DELETE FROM ${table}`);
    const make = (): RowWriter => {
      const binders = bindersFor(spec, declaredTypes(db, spec, name ?? spec.name));
      return new RowWriter(
        db,
        spec,
        {
          into: table,
          numbered: false,
          // A full package starts from an empty table: a plain insert, where a duplicate key is an error.
          conflict: kind === 'full' ? '' : upsertClause(spec),
          deleteSql: spec.primaryKey.length === 0 ? null : `DELETE FROM ${table} WHERE ${keyMatch(spec)}`,
        },
        binders,
        spec.primaryKey.map((k) => binders[spec.columns.findIndex((c) => c.name === k)] as Binder),
      );
    };
    this.writer = schemaMemo(db, JSON.stringify(['direct', kind, table, spec.columns, spec.primaryKey]), make);
  }

  write(rows: readonly PackageRow[]): void {
    this.count += this.writer.write(rows, this.seen + 1);
    this.seen += rows.length;
  }

  finish(): number {
    return this.count;
  }

  discard(): void {}
}
