import { AsyncClientError } from '../errors.js';
import { type EncodedRows, joinKeyParts } from '../package/index.js';

/** `PGCOPY\n\377\r\n\0`, then 32-bit flags and the header extension's length. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const NEWLINE = 0x0a;
const NULL = Buffer.from('null', 'latin1');
/** Shorter fields are copied byte by byte: a call into Buffer.copy costs more. */
const COPY_LOOP_BYTES = 24;

/** The fields of one row of packageLinesSql: each column's JSON, `quoted` or not, then the key parts and the problem. */
export interface LineLayout {
  readonly quoted: readonly boolean[];
  readonly keyColumns: number;
}

/**
 * The package content lines of a `COPY (packageLinesSql) TO STDOUT (FORMAT binary)`: the rows of
 * each chunk as one EncodedRows. Each line is the column fields' bytes as they came (no decoding,
 * no escapes to undo), joined as a JSON array, a null field as `null`; only the keys become
 * strings. A row's problem (the last field) goes to `refuse`, which throws.
 */
export async function* encodedRowsOfCopy(
  chunks: AsyncIterable<Buffer>,
  layout: LineLayout,
  refuse: (problem: string) => never,
): AsyncIterable<EncodedRows> {
  const columns = layout.quoted.length;
  const fields = columns + layout.keyColumns + 1;
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
    // A field of n bytes has a 4-byte length before it and takes at most n + 5 bytes in the line.
    const bytes = Buffer.allocUnsafe(2 * input.length);
    const lineBytes: number[] = [];
    const keys: string[] = [];
    let written = 0;
    let at = 0;
    while (!ended && at + 2 <= input.length) {
      const count = input.readInt16BE(at);
      if (count === -1) {
        ended = true;
        at += 2;
        break;
      }
      if (count !== fields) throw copyError(`a row has ${count} fields, not ${fields}`);
      const end = rowEnd(input, at + 2, fields);
      if (end < 0) break;
      const start = written;
      let field = at + 2;
      for (let c = 0; c < columns; c++) {
        bytes[written++] = c === 0 ? OPEN : COMMA;
        const length = input.readInt32BE(field);
        field += 4;
        if (length < 0) {
          written += NULL.copy(bytes, written);
          continue;
        }
        const quoted = layout.quoted[c] === true;
        if (quoted) bytes[written++] = QUOTE;
        if (length < COPY_LOOP_BYTES) for (let b = 0; b < length; b++) bytes[written++] = input[field + b] as number;
        else written += input.copy(bytes, written, field, field + length);
        if (quoted) bytes[written++] = QUOTE;
        field += length;
      }
      bytes[written++] = CLOSE;
      lineBytes.push(written - start);
      bytes[written++] = NEWLINE;
      const parts: string[] = [];
      for (let k = 0; k < layout.keyColumns; k++) {
        const length = input.readInt32BE(field);
        parts.push(input.toString('utf8', field + 4, field + 4 + length));
        field += 4 + Math.max(length, 0);
      }
      keys.push(joinKeyParts(parts));
      const problemLength = input.readInt32BE(field);
      if (problemLength >= 0) refuse(input.toString('utf8', field + 4, field + 4 + problemLength));
      at = end;
    }
    rest = input.subarray(at);
    if (lineBytes.length > 0) yield { bytes: bytes.subarray(0, written), lineBytes, keys };
  }
  if (!ended || rest.length > 0) throw copyError('it ended inside a row');
}

/** Where the row whose fields start at `at` ends, or -1 when the input ends before it does. */
function rowEnd(input: Buffer, at: number, fields: number): number {
  let end = at;
  for (let f = 0; f < fields; f++) {
    if (end + 4 > input.length) return -1;
    end += 4 + Math.max(input.readInt32BE(end), 0);
  }
  return end <= input.length ? end : -1;
}

function copyError(what: string): AsyncClientError {
  return new AsyncClientError('E_UPLOAD_COPY', `reading the upload rows from PostgreSQL's binary COPY: ${what}`);
}
