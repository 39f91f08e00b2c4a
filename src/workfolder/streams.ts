import { Readable } from 'node:stream';
import type { AsyncClientError } from '../errors.js';

/**
 * Relays `source` chunk by chunk (no buffering), turning whatever error it raises into a
 * folder error, so that a consumer of `openRead` sees the same codes mid-stream as at
 * open. `onChunk` runs for every chunk and `onEnd` once the relay ends in any way (the
 * WebDAV adapter keeps its idle timer with them). Destroying the relay destroys the source.
 */
export function relayWithFolderErrors(
  source: AsyncIterable<Uint8Array | string>,
  toFolderError: (error: unknown) => AsyncClientError,
  hooks: { readonly onChunk?: () => void; readonly onEnd?: () => void } = {},
): Readable {
  async function* relay(): AsyncGenerator<Uint8Array | string> {
    try {
      for await (const chunk of source) {
        hooks.onChunk?.();
        yield chunk;
      }
    } catch (error) {
      throw toFolderError(error);
    } finally {
      hooks.onEnd?.();
    }
  }
  return Readable.from(relay(), { objectMode: false });
}
