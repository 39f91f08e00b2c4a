import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { drainOrClose } from '../../src/package/drain.js';

/**
 * The benchmarks' baseline writer: each row (from a sync or async iterable) as one line of JSON into a gzip'd file, in 128 KiB
 * writes that respect back-pressure, with no checks at all. Returns how many rows it wrote.
 */
export async function writeGzipJsonLines<T>(
  file: string,
  rows: Iterable<T> | AsyncIterable<T>,
  json: (row: T) => unknown = (row) => row,
): Promise<number> {
  const gzip = createGzip();
  const done = pipeline(gzip, createWriteStream(file));
  let count = 0;
  let text = '';
  const add = async (row: T): Promise<void> => {
    text += `${JSON.stringify(json(row))}\n`;
    count += 1;
    if (text.length >= 128 * 1024) {
      if (!gzip.write(text)) await drainOrClose(gzip);
      text = '';
    }
  };
  // A sync iterable is walked without for-await, which would cost a microtask per row.
  if (Symbol.iterator in rows) for (const row of rows) await add(row);
  else for await (const row of rows) await add(row);
  gzip.end(text);
  await done;
  return count;
}
