import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse as parseCsv } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { AsyncClientError } from '../../errors.js';
import type { TableSpec } from '../../package/index.js';
import type { WireValue } from '../../package/values.js';
import { wireFromText, type WireConverter } from './cell-text.js';
import { jsonLines } from './json-lines-input.js';
import { LineBatcher, type LineSink } from './line-batcher.js';
import { converted, inputError, isDelete, OP_COLUMN, READ_CHUNK_BYTES, TableLines, type TableSchema } from './table-lines.js';

export type { TableSchema } from './table-lines.js';

export type InputFormat = 'csv' | 'jsonl';

function inputFormatOf(path: string): InputFormat {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  throw new AsyncClientError('E_PACK_INPUT', `${path}: unknown input format; name table files *.csv, *.jsonl or *.ndjson`);
}

/**
 * Reads one table's input file, checks every row (types, nulls, duplicate keys) and hands
 * its section line and row lines to `sink` in batches, in one pass. Returns the table with
 * its counts for the manifest.
 */
export async function readTableLines(path: string, schema: TableSchema, sink: LineSink): Promise<TableSpec> {
  const lines = new TableLines(schema, path);
  try {
    const batcher = new LineBatcher(sink);
    batcher.add(lines.sectionLine(), 0);
    if (inputFormatOf(path) === 'csv') await csvLines(path, lines, batcher);
    else await jsonLines(path, lines, batcher);
    await batcher.end();
    lines.checkSpilledKeys();
    return lines.spec();
  } finally {
    lines.close();
  }
}

/** A parsed record with its text as read, which tells a quoted `""` from an empty field and counts quoted line breaks. */
interface RawRecord {
  readonly record: string[];
  readonly raw: string;
}

/**
 * csv-parse reads RFC 4180 with LF or CRLF; records come as arrays of strings (no per-field
 * callback) and every line as a record, so that the line count stays exact.
 */
const CSV_OPTIONS = { bom: true, raw: true, relax_column_count: true, record_delimiter: ['\r\n', '\n'] };

/** csv-parse leaves the record's LF in `raw` and drops a CRLF's LF: the line breaks inside quoted fields. */
function quotedLineBreaks(raw: string): number {
  let count = 0;
  for (let at = raw.indexOf('\n'); at >= 0 && at < raw.length - 1; at = raw.indexOf('\n', at + 1)) count++;
  return count;
}

/** The fields of a record that may hold a quoted `""`: that one is the empty string, an empty unquoted field null. */
function fieldsTellingQuotedEmpty(raw: string): Array<string | null> {
  const text = raw.endsWith('\n') || raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const [fields] = parseSync(text, {
    relax_column_count: true,
    cast: (value, context) => (value === '' && !context.quoting ? null : value),
  }) as Array<Array<string | null>>;
  return fields ?? [];
}

/** CSV: a header naming every column once (any order, plus optional `_op`); an empty unquoted field is null. */
async function csvLines(path: string, table: TableLines, batcher: LineBatcher): Promise<void> {
  const { schema } = table;
  const converters = schema.columns.map((column) => wireFromText(column.type));
  const allColumns = schema.columns.map((_, index) => index);
  const values = new Array<WireValue>(allColumns.length);
  let positions: number[] | undefined;
  let opPosition = -1;
  let fieldCount = 0;
  const parser = parseCsv(CSV_OPTIONS);
  const reading = pipeline(createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }), parser);
  reading.catch(() => undefined);
  let nextLine = 1;
  try {
    for await (const { record, raw } of parser as AsyncIterable<RawRecord>) {
      const line = nextLine;
      nextLine += 1 + quotedLineBreaks(raw);
      if (record.length === 1 && record[0] === '' && !raw.includes('"')) continue;
      // Only a record with `""` in its text can hold a quoted empty string: the others are read as they are.
      const exact = raw.includes('""') && record.includes('') ? fieldsTellingQuotedEmpty(raw) : undefined;
      const fields: ReadonlyArray<string | null> = exact ?? record;
      if (positions === undefined) {
        positions = headerPositions(fields, schema, path, line);
        opPosition = fields.indexOf(OP_COLUMN);
        fieldCount = fields.length;
        continue;
      }
      if (fields.length !== fieldCount)
        throw inputError(path, line, `expected ${fieldCount} fields as in the header, got ${fields.length}`);
      const deleting = opPosition >= 0 && isDelete(fields[opPosition], path, line);
      // A delete row needs only its key: its other fields are not read.
      const columns = deleting ? table.keyIndexes : allColumns;
      for (let c = 0; c < columns.length; c++) {
        const i = columns[c] as number;
        const text = fields[positions[i] as number] as string | null;
        values[i] =
          text === null || (text === '' && exact === undefined)
            ? null
            : converted(converters[i] as WireConverter<string>, text, schema, i, path, line);
      }
      if (batcher.add(deleting ? table.delete(values, line) : table.upsert(values, line))) await batcher.flush();
    }
    await reading;
  } catch (error) {
    // csv-parse's error carries the line where it stopped.
    if (error instanceof CsvError) throw inputError(path, typeof error.lines === 'number' ? error.lines : nextLine, error.message);
    throw error;
  }
  if (positions === undefined) throw inputError(path, 1, `the file is empty; the first line must name the columns of table ${schema.name}`);
}

/** Where each column of the schema is in a record, from the header. */
function headerPositions(header: ReadonlyArray<string | null>, schema: TableSchema, path: string, line: number): number[] {
  const names = header.map((name) => name ?? '');
  const missing = schema.columns.filter((column) => !names.includes(column.name)).map((column) => column.name);
  const unknown = names.filter((name) => name !== OP_COLUMN && !schema.columns.some((column) => column.name === name));
  if (missing.length > 0 || unknown.length > 0 || new Set(names).size !== names.length) {
    throw inputError(
      path,
      line,
      `the header must name each column of table ${schema.name} once (missing: ${missing.join(', ') || 'none'}; unknown: ${unknown.join(', ') || 'none'})`,
    );
  }
  return schema.columns.map((column) => names.indexOf(column.name));
}
