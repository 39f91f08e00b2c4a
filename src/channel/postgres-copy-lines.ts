import { AsyncClientError } from '../errors.js';
import { type EncodedRows, joinKeyParts } from '../package/index.js';
import { writeBytes, writeInstant, writeInteger, writeString } from './postgres-line-fields.js';
import type { FieldKind, PackageLinesQuery } from './postgres-upload-lines.js';

/** `PGCOPY\n\377\r\n\0`, then 32-bit flags and the header extension's length. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const NULL = Buffer.from('null', 'latin1');

/**
 * The package content lines of a `COPY (packageLinesSql) TO STDOUT (FORMAT binary)`: the rows of
 * each chunk as one EncodedRows, each line the row's fields joined as a JSON array (FieldKind
 * says how a field is written); only the keys become strings. A row's problem (its last field)
 * goes to `refuse`, which throws.
 */
export async function* encodedRowsOfCopy(
  chunks: AsyncIterable<Buffer>,
  layout: Omit<PackageLinesQuery, 'sql'>,
  refuse: (problem: string) => never,
): AsyncIterable<EncodedRows> {
  const fields = layout.kinds.length + 1;
  const keyAt = layout.kinds.map((_, c) => layout.keyColumns.indexOf(c));
  const parts = layout.keyColumns.map(() => '');
  let out = Buffer.alloc(0);
  let rest: Buffer = Buffer.alloc(0);
  let headerRead = false;
  let ended = false;
  for await (const chunk of chunks) {
    let input: Buffer = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    if (!headerRead) {
      if (input.length < HEADER_BYTES || input.length < HEADER_BYTES + input.readUInt32BE(HEADER_BYTES - 4)) {
        rest = input;
        continue;
      }
      if (!input.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw copyError('it does not start with the binary COPY signature');
      input = input.subarray(HEADER_BYTES + input.readUInt32BE(HEADER_BYTES - 4));
      headerRead = true;
    }
    // A field's byte takes at most 6 in the line (an escape), its 4-byte length room for the rest.
    if (out.length < 6 * input.length) out = Buffer.allocUnsafe(6 * input.length);
    const lineBytes: number[] = [];
    const keys: string[] = [];
    let written = 0;
    let at = 0;
    rows: while (!ended && at + 2 <= input.length) {
      const count = input.readInt16BE(at);
      if (count === -1) {
        ended = true;
        at += 2;
        break;
      }
      if (count !== fields) throw copyError(`a row has ${count} fields, not ${fields}`);
      const start = written;
      let field = at + 2;
      for (let c = 0; c < layout.kinds.length; c++) {
        // A row the chunk ends inside waits for the next chunk, what was written of it taken back.
        const length = field + 4 <= input.length ? input.readInt32BE(field) : input.length;
        if (field + 4 + Math.max(length, 0) > input.length) {
          written = start;
          break rows;
        }
        out[written++] = c === 0 ? OPEN : COMMA;
        field += 4;
        if (length < 0) {
          written += NULL.copy(out, written);
          continue;
        }
        const from = written;
        const kind = layout.kinds[c] as FieldKind;
        written = writeField(kind, input, field, field + length, out, written);
        const key = keyAt[c] as number;
        if (key >= 0) parts[key] = keyText(kind, input, field, field + length, out, from, written);
        field += length;
      }
      const problemLength = field + 4 <= input.length ? input.readInt32BE(field) : input.length;
      if (field + 4 + Math.max(problemLength, 0) > input.length) {
        written = start;
        break;
      }
      if (problemLength >= 0) refuse(input.toString('utf8', field + 4, field + 4 + problemLength));
      out[written++] = CLOSE;
      lineBytes.push(written - start);
      out[written++] = NEWLINE;
      keys.push(joinKeyParts(parts));
      at = field + 4 + Math.max(problemLength, 0);
    }
    rest = input.subarray(at);
    // Copied out: the compressor holds the bytes while `out` is written again.
    if (lineBytes.length > 0) yield { bytes: Buffer.from(out.subarray(0, written)), lineBytes, keys };
  }
  if (!ended || rest.length > 0) throw copyError('it ended inside a row');
}

function writeField(kind: FieldKind, input: Buffer, from: number, to: number, out: Buffer, at: number): number {
  switch (kind) {
    case 'number':
      return writeInteger(input, from, to, out, at);
    case 'quoted':
      return writeBytes(input, from, to, out, at, true);
    case 'literal':
      return writeBytes(input, from, to, out, at, false);
    case 'string':
      return writeString(input, from, to, out, at);
    case 'instant':
      if (to - from !== 8) throw copyError(`an instant of ${to - from} bytes, not 8`);
      return writeInstant(input, from, out, at);
  }
}

/** A key column's canonical text: a string as it is, any other value as its JSON without quotes. */
function keyText(kind: FieldKind, input: Buffer, from: number, to: number, out: Buffer, start: number, end: number): string {
  if (kind === 'string') return input.toString('utf8', from, to);
  const quoted = out[start] === 0x22;
  return out.toString('latin1', quoted ? start + 1 : start, quoted ? end - 1 : end);
}

function copyError(what: string): AsyncClientError {
  return new AsyncClientError('E_UPLOAD_COPY', `reading the upload rows from PostgreSQL's binary COPY: ${what}`);
}
