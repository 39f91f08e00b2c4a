import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { AsyncClientError } from '../../errors.js';
import type { CellValue, ColumnSpec, PackageRow, TableSpec } from '../../package/index.js';
import { cellFromJson, cellFromText } from './cell-text.js';

/** Column naming a row's operation in input files: `upsert` (the default when absent or empty) or `delete`. */
export const OP_COLUMN = '_op';

export type TableSchema = Omit<TableSpec, 'upsertCount' | 'deleteCount'>;

export type InputFormat = 'csv' | 'jsonl';

function inputFormatOf(path: string): InputFormat {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  throw new AsyncClientError('E_PACK_INPUT', `${path}: unknown input format; name table files *.csv, *.jsonl or *.ndjson`);
}

function inputError(path: string, line: number, message: string): AsyncClientError {
  return new AsyncClientError('E_PACK_INPUT', `${path}:${line}: ${message}`, { path, line });
}

function operation(value: unknown, path: string, line: number): PackageRow['op'] {
  if (value === undefined || value === null || value === '' || value === 'upsert') return 'upsert';
  if (value === 'delete') return 'delete';
  throw inputError(path, line, `${OP_COLUMN} must be upsert or delete, got ${JSON.stringify(value)}`);
}

/** Builds a row from per-column lookups, naming the column of any bad value. */
function buildRow(
  table: TableSchema,
  op: PackageRow['op'],
  read: (column: ColumnSpec) => CellValue,
  path: string,
  line: number,
): PackageRow {
  const cellOf = (column: ColumnSpec): CellValue => {
    try {
      return read(column);
    } catch (error) {
      throw inputError(path, line, `column ${column.name} (${column.type}): ${(error as Error).message}`);
    }
  };
  if (op === 'delete') {
    return { op, key: table.primaryKey.map((name) => cellOf(table.columns.find((column) => column.name === name) as ColumnSpec)) };
  }
  return { op, values: table.columns.map(cellOf) };
}

/** The rows of a CSV file: a header naming every column (any order, plus optional `_op`); an empty unquoted field is null. */
async function* csvRows(path: string, table: TableSchema): AsyncGenerator<PackageRow> {
  const parser = createReadStream(path).pipe(
    parse({ bom: true, info: true, cast: (value, context) => (context.quoting || value !== '' ? value : null) }),
  );
  let positions: Map<string, number> | undefined;
  for await (const { record, info } of parser as AsyncIterable<{ record: Array<string | null>; info: { lines: number } }>) {
    const line = info.lines;
    if (positions === undefined) {
      positions = new Map(record.map((name, index) => [name ?? '', index]));
      const missing = table.columns.filter((column) => !positions?.has(column.name)).map((column) => column.name);
      const unknown = record.filter((name) => name !== OP_COLUMN && !table.columns.some((column) => column.name === name));
      if (missing.length > 0 || unknown.length > 0 || positions.size !== record.length) {
        throw inputError(
          path,
          line,
          `the header must name each column of table ${table.name} once (missing: ${missing.join(', ') || 'none'}; unknown: ${unknown.join(', ') || 'none'})`,
        );
      }
      continue;
    }
    const columns = positions;
    const op = operation(columns.has(OP_COLUMN) ? record[columns.get(OP_COLUMN) as number] : undefined, path, line);
    yield buildRow(
      table,
      op,
      (column) => {
        const text = record[columns.get(column.name) as number];
        return text === null || text === undefined ? null : cellFromText(column.type, text);
      },
      path,
      line,
    );
  }
}

/** The rows of a JSON Lines file: one object per line keyed by column name (plus optional `_op`). */
async function* jsonlRows(path: string, table: TableSchema): AsyncGenerator<PackageRow> {
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw inputError(path, line, 'not a JSON object');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw inputError(path, line, 'not a JSON object');
    const object = parsed as Record<string, unknown>;
    const op = operation(object[OP_COLUMN], path, line);
    yield buildRow(
      table,
      op,
      (column) => {
        if (!(column.name in object)) throw new Error('missing (write null for no value)');
        const value = object[column.name];
        return value === null ? null : cellFromJson(column.type, value);
      },
      path,
      line,
    );
  }
}

export function readTableFile(path: string, table: TableSchema): AsyncGenerator<PackageRow> {
  return inputFormatOf(path) === 'csv' ? csvRows(path, table) : jsonlRows(path, table);
}
