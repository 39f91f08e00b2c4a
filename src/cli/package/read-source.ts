import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PackageSource } from '../../package/index.js';
import type { Progress } from './progress.js';

/** A package source over `path` that reports the bytes read to `progress`. */
export function countingSource(path: string, progress: Progress): PackageSource {
  return () => {
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        progress.setBytes(bytes);
        callback(null, chunk);
      },
    });
    pipeline(createReadStream(path, { highWaterMark: 64 * 1024 }), counter).catch(() => undefined);
    return counter;
  };
}
