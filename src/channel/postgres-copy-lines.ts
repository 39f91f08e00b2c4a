import { AsyncClientError } from '../errors.js';
import { type EncodedRows, joinKeyParts } from '../package/index.js';

/** `PGCOPY\n\377\r\n\0`, then 32-bit flags and the header extension's length. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;
const NEWLINE = 0x0a;

/**
 * The package content lines of a `COPY (packageLinesSql) TO STDOUT (FORMAT binary)`: the rows of
 * each chunk as one EncodedRows, their line bytes copied as they came (no decoding, no escapes to
 * undo), each followed by a newline; only the keys become strings. A row's problem (the last
 * field) goes to `refuse`, which throws.
 */
export async function* encodedRowsOfCopy(
  chunks: AsyncIterable<Buffer>,
  keyColumns: number,
  refuse: (problem: string) => never,
): AsyncIterable<EncodedRows> {
  const fields = keyColumns + 2;
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
    const bytes = Buffer.allocUnsafe(input.length);
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
      let field = at + 2;
      const lineLength = input.readInt32BE(field);
      const lineStart = field + 4;
      field = lineStart + Math.max(lineLength, 0);
      const parts: string[] = [];
      for (let k = 0; k < keyColumns; k++) {
        const length = input.readInt32BE(field);
        parts.push(input.toString('utf8', field + 4, field + 4 + length));
        field += 4 + Math.max(length, 0);
      }
      const problemLength = input.readInt32BE(field);
      if (problemLength >= 0) refuse(input.toString('utf8', field + 4, field + 4 + problemLength));
      if (lineLength < 0) throw copyError('a row has no line');
      written += input.copy(bytes, written, lineStart, lineStart + lineLength);
      bytes[written++] = NEWLINE;
      lineBytes.push(lineLength);
      keys.push(joinKeyParts(parts));
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
