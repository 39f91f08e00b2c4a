import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { WireValue } from '../../package/values.js';
import { wireFromJson, type WireConverter } from './cell-text.js';
import { FlatJsonLine } from './flat-json-line.js';
import type { LineBatcher } from './line-batcher.js';
import { converted, inputError, isDelete, OP_COLUMN, READ_CHUNK_BYTES, type TableLines } from './table-lines.js';

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

/** JSON Lines: one object per line keyed by column name (plus optional `_op`); every column present, null for no value. */
export async function jsonLines(path: string, table: TableLines, batcher: LineBatcher): Promise<void> {
  const { schema } = table;
  const converters = schema.columns.map((column) => wireFromJson(column.type));
  const names = schema.columns.map((column) => column.name);
  const allColumns = names.map((_, index) => index);
  const values = new Array<WireValue>(names.length);
  // The members read from a line: the columns, then `_op`.
  const memberNames = [...names, OP_COLUMN];
  const members = new Array<unknown>(memberNames.length);
  const flat = new FlatJsonLine(memberNames);
  let carry = '';
  let line = 0;

  const row = (text: string): string | undefined => {
    line++;
    if (!flat.read(text, members)) {
      if (text.trim() === '') return undefined;
      const object = parseObject(text, path, line);
      for (let i = 0; i < memberNames.length; i++) {
        const name = memberNames[i] as string;
        members[i] = Object.hasOwn(object, name) ? object[name] : undefined;
      }
    }
    const deleting = isDelete(members[names.length], path, line);
    // A delete row needs only its key: its other members are not read.
    const columns = deleting ? table.keyIndexes : allColumns;
    for (let c = 0; c < columns.length; c++) {
      const i = columns[c] as number;
      const value = members[i];
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

function parseObject(text: string, path: string, line: number): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw inputError(path, line, 'not a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw inputError(path, line, 'not a JSON object');
  return parsed as Record<string, unknown>;
}
