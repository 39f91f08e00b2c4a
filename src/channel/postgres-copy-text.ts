import { StringDecoder } from 'node:string_decoder';

const UNESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v' };

/** One field of COPY's text format: null for `\N`, backslash escapes undone. */
function unescapeField(field: string): string | null {
  if (field === '\\N') return null;
  return field.includes('\\') ? field.replace(/\\(.)/g, (_, c: string) => UNESCAPES[c] ?? c) : field;
}

/**
 * The rows of a `COPY ... TO STDOUT` in text format, as arrays of field texts, the complete
 * rows of each chunk together. Newlines and tabs inside values arrive escaped, so a raw
 * newline always ends a row.
 */
export async function* parseCopyRows(chunks: AsyncIterable<Buffer>): AsyncIterable<(string | null)[][]> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of chunks) {
    pending += decoder.write(chunk);
    const rows: (string | null)[][] = [];
    let start = 0;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
      rows.push(pending.slice(start, end).split('\t').map(unescapeField));
      start = end + 1;
    }
    pending = pending.slice(start);
    if (rows.length > 0) yield rows;
  }
  pending += decoder.end();
  if (pending !== '') yield [pending.split('\t').map(unescapeField)];
}
