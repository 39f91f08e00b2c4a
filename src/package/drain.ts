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
