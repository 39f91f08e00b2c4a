import { stringify, type Stringifier } from 'csv-stringify';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { PackageRow, TableSpec } from '../../package/index.js';
import { cellToJson } from './cell-text.js';
import { drainOrClose } from '../../package/drain.js';
import type { InputFormat } from './table-input.js';
import { OP_COLUMN } from './table-lines.js';

/**
 * Writes one table's rows in the form `package pack` reads back: JSON Lines objects keyed by
 * column name, or CSV with a header; delete rows carry `_op: delete` and their key columns only.
 */
export interface TableWriter {
  write(rows: readonly PackageRow[]): Promise<void>;
  end(): Promise<void>;
}

function rowObject(table: TableSpec, row: PackageRow): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  if (row.op === 'delete') {
    object[OP_COLUMN] = 'delete';
    table.primaryKey.forEach((name, index) => {
      const column = table.columns.find((c) => c.name === name);
      object[name] = cellToJson(column?.type ?? 'string', row.key[index] ?? null);
    });
    return object;
  }
  table.columns.forEach((column, index) => {
    object[column.name] = cellToJson(column.type, row.values[index] ?? null);
  });
  return object;
}

async function writeText(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await drainOrClose(out);
}

export function createTableWriter(format: InputFormat, table: TableSpec, out: Writable): TableWriter {
  if (format === 'jsonl') {
    return {
      async write(rows) {
        await writeText(out, rows.map((row) => `${JSON.stringify(rowObject(table, row))}\n`).join(''));
      },
      async end() {
        out.end();
        await finished(out);
      },
    };
  }
  const columns = table.deleteCount > 0 ? [...table.columns.map((c) => c.name), OP_COLUMN] : table.columns.map((c) => c.name);
  // Empty strings are quoted so that they read back as '' and not as null (an empty unquoted field).
  const csv: Stringifier = stringify({ header: true, columns, quoted_match: /^$/, cast: { boolean: (value) => String(value) } });
  csv.pipe(out);
  return {
    async write(rows) {
      for (const row of rows) {
        const object = rowObject(table, row);
        if (!csv.write(columns.map((name) => object[name] ?? null))) await drainOrClose(csv);
      }
    },
    async end() {
      csv.end();
      await finished(out);
    },
  };
}
