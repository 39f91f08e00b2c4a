import type { Writable } from 'node:stream';

/**
 * Waits until `stream` has room again, or is gone. Never rejects: a stream's error reaches
 * whoever owns the stream, not the writer waiting on it.
 */
export function drainOrClose(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    stream.on('drain', done).on('close', done).on('error', done);
  });
}

/**
 * Writes `chunk` and waits until the stream is done with it (its write callback), or is gone, so
 * that the caller may reuse the chunk's memory. Never rejects, as `drainOrClose`.
 */
export function writtenOrClosed(stream: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('close', done).off('error', done);
      resolve();
    };
    stream.on('close', done).on('error', done);
    stream.write(chunk, done);
  });
}
