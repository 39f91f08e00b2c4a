import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { drainOrClose } from '../../src/package/drain.js';

/**
 * The benchmarks' baseline writer: each row as one line of JSON into a gzip'd file, in 128 KiB
 * writes that respect back-pressure, with no checks at all. Returns how many rows it wrote.
 */
export async function writeGzipJsonLines<T>(file: string, rows: Iterable<T>, json: (row: T) => unknown = (row) => row): Promise<number> {
  const gzip = createGzip();
  const done = pipeline(gzip, createWriteStream(file));
  let count = 0;
  let text = '';
  for (const row of rows) {
    text += `${JSON.stringify(json(row))}\n`;
    count += 1;
    if (text.length >= 128 * 1024) {
      if (!gzip.write(text)) await drainOrClose(gzip);
      text = '';
    }
  }
  gzip.end(text);
  await done;
  return count;
}
