import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PackageSource } from '../../package/index.js';
import { FileDigest } from '../../package/file-digest.js';
import type { Progress } from './progress.js';

/** A package file being read: its source for the reader, and the whole file's SHA-256 once read. */
export interface CountedSource {
  readonly source: PackageSource;
  /** The "file sha256" (what the journal records and `sha256sum` prints), after the reader read it all. */
  fileSha256(): string;
}

/** A package source over `path` that reports the bytes read to `progress` and takes the file's SHA-256 on the way. */
export function countingSource(path: string, progress: Progress): CountedSource {
  let digest: FileDigest | undefined;
  return {
    source: () => {
      const reading = new FileDigest();
      digest = reading;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          progress.setBytes(reading.size);
          callback(null, chunk);
        },
      });
      pipeline(createReadStream(path, { highWaterMark: 64 * 1024 }), reading, counter).catch(() => undefined);
      return counter;
    },
    fileSha256: () => digest?.checksum() ?? '',
  };
}
