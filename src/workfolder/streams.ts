import { Readable } from 'node:stream';
import type { AsyncClientError } from '../errors.js';

/**
 * Relays `source` chunk by chunk (no buffering), turning whatever error it raises into a
 * folder error, so that a consumer of `openRead` sees the same codes mid-stream as at
 * open. `onChunk` runs for every chunk (the WebDAV adapter resets its idle timer there).
 * Destroying the relay destroys the source.
 */
export function relayWithFolderErrors(
  source: AsyncIterable<Uint8Array>,
  toFolderError: (error: unknown) => AsyncClientError,
  onChunk: () => void = () => {},
): Readable {
  async function* relay(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of source) {
        onChunk();
        yield chunk;
      }
    } catch (error) {
      throw toFolderError(error);
    }
  }
  return Readable.from(relay(), { objectMode: false });
}
