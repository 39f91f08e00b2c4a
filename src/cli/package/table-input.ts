import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { AsyncClientError } from '../../errors.js';
import type { TableSpec } from '../../package/index.js';
import { ValueError, type WireValue } from '../../package/values.js';
import { wireFromJson, wireFromText, type WireConverter } from './cell-text.js';
import { CsvScanner, CsvSyntaxError, type CsvField } from './csv-records.js';
import { inputError, TableLines, type TableSchema } from './table-lines.js';

export type { TableSchema } from './table-lines.js';

/** Column naming a row's operation in input files: `upsert` (the default when absent or empty) or `delete`. */
export const OP_COLUMN = '_op';

export type InputFormat = 'csv' | 'jsonl';

/** Receives a table's content lines in batches of about this many bytes. */
const BATCH_BYTES = 128 * 1024;
const READ_CHUNK_BYTES = 64 * 1024;

function inputFormatOf(path: string): InputFormat {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  throw new AsyncClientError('E_PACK_INPUT', `${path}: unknown input format; name table files *.csv, *.jsonl or *.ndjson`);
}

function isDelete(value: unknown, path: string, line: number): boolean {
  if (value === undefined || value === null || value === '' || value === 'upsert') return false;
  if (value === 'delete') return true;
  throw inputError(path, line, `${OP_COLUMN} must be upsert or delete, got ${JSON.stringify(value)}`);
}

/**
 * The file's text in chunks of whole characters, without a leading byte order mark. Two
 * buffers are reused: the next read is under way while the caller works on the current chunk.
 */
async function* textChunks(path: string): AsyncGenerator<string> {
  const file = await open(path, 'r');
  const buffers = [Buffer.allocUnsafe(READ_CHUNK_BYTES), Buffer.allocUnsafe(READ_CHUNK_BYTES)];
  let reading = file.read(buffers[0] as Buffer, 0, READ_CHUNK_BYTES, null);
  try {
    const decoder = new StringDecoder('utf8');
    for (let turn = 0, first = true; ; turn = 1 - turn) {
      const { bytesRead, buffer } = await reading;
      if (bytesRead > 0) reading = file.read(buffers[1 - turn] as Buffer, 0, READ_CHUNK_BYTES, null);
      const text = bytesRead === 0 ? decoder.end() : decoder.write(buffer.subarray(0, bytesRead));
      if (text.length > 0) {
        yield first && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
        first = false;
      }
      if (bytesRead === 0) return;
    }
  } finally {
    await reading.catch(() => undefined);
    await file.close();
  }
}

/** Where a table's content lines go, with how many rows they hold. */
export type LineSink = (lines: Buffer, rows: number) => Promise<void>;

/**
 * Reads one table's input file, checks every row (types, nulls, duplicate keys) and hands
 * its section line and row lines to `sink` in batches, in one pass. Returns the table with
 * its counts for the manifest.
 */
export async function readTableLines(path: string, schema: TableSchema, sink: LineSink): Promise<TableSpec> {
  const lines = new TableLines(schema, path);
  const batcher = new LineBatcher(sink);
  batcher.add(lines.sectionLine(), 0);
  if (inputFormatOf(path) === 'csv') await csvLines(path, lines, batcher);
  else await jsonLines(path, lines, batcher);
  await batcher.end();
  return lines.spec();
}

/**
 * Encodes content lines straight into two byte buffers, filling one while the other is being
 * compressed: no line piles up as a string and no buffer is allocated per batch, so that
 * neither the heap nor external memory grows with the input.
 */
class LineBatcher {
  private readonly buffers = [Buffer.allocUnsafe(BATCH_BYTES), Buffer.allocUnsafe(BATCH_BYTES)];
  private readonly consumed: Array<Promise<void>> = [Promise.resolve(), Promise.resolve()];
  private current = 0;
  private used = 0;
  private rows = 0;

  constructor(private readonly sink: LineSink) {}

  /** Adds a line; true when the buffer is nearly full and it is time to flush. */
  add(line: string, rows = 1): boolean {
    this.rows += rows;
    const buffer = this.buffers[this.current] as Buffer;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (3 * line.length <= buffer.length - this.used) {
      this.used += buffer.write(line, this.used, 'utf8');
      return buffer.length - this.used < BATCH_BYTES / 4;
    }
    this.oversized = line;
    return true;
  }

  /** Hands the filled buffer to the sink and waits until the other one is free again. */
  async flush(): Promise<void> {
    const index = this.current;
    const oversized = this.oversized;
    this.oversized = undefined;
    if (this.used > 0 || oversized !== undefined) {
      const filled = (this.buffers[index] as Buffer).subarray(0, this.used);
      const rows = this.rows;
      this.consumed[index] = (async () => {
        if (filled.length > 0) await this.sink(filled, oversized === undefined ? rows : 0);
        if (oversized !== undefined) await this.sink(Buffer.from(oversized, 'utf8'), rows);
      })();
      this.current = 1 - index;
      this.used = 0;
      this.rows = 0;
    }
    await this.consumed[this.current];
  }

  /** Flushes and waits until the sink has consumed everything. */
  async end(): Promise<void> {
    await this.flush();
    await Promise.all(this.consumed);
  }

  private oversized: string | undefined;
}

/** Converts a value, naming the column when it does not fit. */
function converted<T>(convert: WireConverter<T>, value: T, schema: TableSchema, index: number, path: string, line: number): WireValue {
  try {
    return convert(value);
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    const column = schema.columns[index];
    throw inputError(path, line, `column ${column?.name} (${column?.type}): ${error.message}`);
  }
}

/** CSV: a header naming every column once (any order, plus optional `_op`); an empty unquoted field is null. */
async function csvLines(path: string, table: TableLines, batcher: LineBatcher): Promise<void> {
  const { schema } = table;
  const converters = schema.columns.map((column) => wireFromText(column.type));
  const allColumns = schema.columns.map((_, index) => index);
  const values = new Array<WireValue>(allColumns.length);
  const scanner = new CsvScanner();
  let positions: number[] | undefined;
  let opPosition = -1;
  let fieldCount = 0;
  const records: CsvField[][] = [];
  const recordLines: number[] = [];

  const take = async (): Promise<void> => {
    for (let r = 0; r < records.length; r++) {
      const record = records[r] as CsvField[];
      const line = recordLines[r] as number;
      if (positions === undefined) {
        positions = headerPositions(record, schema, path, line);
        opPosition = record.indexOf(OP_COLUMN);
        fieldCount = record.length;
        continue;
      }
      if (record.length !== fieldCount)
        throw inputError(path, line, `expected ${fieldCount} fields as in the header, got ${record.length}`);
      const deleting = opPosition >= 0 && isDelete(record[opPosition], path, line);
      // A delete row needs only its key: its other fields are not read.
      const columns = deleting ? table.keyIndexes : allColumns;
      for (let c = 0; c < columns.length; c++) {
        const i = columns[c] as number;
        const text = record[positions[i] as number] as CsvField;
        values[i] = text === null ? null : converted(converters[i] as WireConverter<string>, text, schema, i, path, line);
      }
      if (batcher.add(deleting ? table.delete(values, line) : table.upsert(values, line))) await batcher.flush();
    }
    records.length = 0;
    recordLines.length = 0;
  };

  try {
    for await (const chunk of textChunks(path)) {
      scanner.push(chunk, records, recordLines);
      await take();
    }
    scanner.end(records, recordLines);
    await take();
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw inputError(path, error.line, error.message);
    throw error;
  }
  if (positions === undefined) throw inputError(path, 1, `the file is empty; the first line must name the columns of table ${schema.name}`);
}

/** Where each column of the schema is in a record, from the header. */
function headerPositions(header: readonly CsvField[], schema: TableSchema, path: string, line: number): number[] {
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

/** JSON Lines: one object per line keyed by column name (plus optional `_op`); every column present, null for no value. */
async function jsonLines(path: string, table: TableLines, batcher: LineBatcher): Promise<void> {
  const { schema } = table;
  const converters = schema.columns.map((column) => wireFromJson(column.type));
  const names = schema.columns.map((column) => column.name);
  const allColumns = names.map((_, index) => index);
  const values = new Array<WireValue>(names.length);
  let carry = '';
  let line = 0;

  const row = (text: string): string | undefined => {
    line++;
    if (text.trim() === '') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw inputError(path, line, 'not a JSON object');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw inputError(path, line, 'not a JSON object');
    const object = parsed as Record<string, unknown>;
    const deleting = isDelete(object[OP_COLUMN], path, line);
    // A delete row needs only its key: its other members are not read.
    const columns = deleting ? table.keyIndexes : allColumns;
    for (let c = 0; c < columns.length; c++) {
      const i = columns[c] as number;
      const value = object[names[i] as string];
      if (value === undefined)
        throw inputError(path, line, `column ${names[i]} (${schema.columns[i]?.type}): missing (write null for no value)`);
      values[i] = value === null ? null : converted(converters[i] as WireConverter<unknown>, value, schema, i, path, line);
    }
    return deleting ? table.delete(values, line) : table.upsert(values, line);
  };

  for await (const chunk of textChunks(path)) {
    const text = carry.length === 0 ? chunk : carry + chunk;
    let start = 0;
    for (let end = text.indexOf('\n', start); end >= 0; end = text.indexOf('\n', start)) {
      const encoded = row(text.slice(start, end));
      start = end + 1;
      if (encoded !== undefined && batcher.add(encoded)) await batcher.flush();
    }
    carry = text.slice(start);
  }
  const last = carry.length > 0 ? row(carry) : undefined;
  if (last !== undefined && batcher.add(last)) await batcher.flush();
}
