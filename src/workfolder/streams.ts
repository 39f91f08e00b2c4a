import { Readable } from 'node:stream';
import type { AsyncClientError } from '../errors.js';

/** Moments of a relay, so that an adapter can time only the waits on its storage. */
export interface RelayHooks {
  /** About to wait for the next chunk from the source. */
  readonly onWait?: () => void;
  /** A chunk arrived (or the source ended); the consumer has it now. */
  readonly onChunk?: () => void;
  /** The relay is over, however it ended. */
  readonly onEnd?: () => void;
}

/**
 * Relays `source` chunk by chunk (no buffering), turning whatever error it raises into a
 * folder error, so that a consumer of `openRead` sees the same codes mid-stream as at
 * open. Destroying the relay destroys the source.
 */
export function relayWithFolderErrors(
  source: AsyncIterable<Uint8Array | string>,
  toFolderError: (error: unknown) => AsyncClientError,
  hooks: RelayHooks = {},
): Readable {
  return Readable.from(timedChunks(source, hooks, toFolderError), { objectMode: false });
}

/**
 * The chunks of `source`, with `hooks` called around each wait; the source's errors go through
 * `mapError`. An error thrown into the generator by its consumer (a request that failed
 * destroys its body stream with the socket's error) is the consumer's, and passes unchanged.
 */
export async function* timedChunks<Chunk>(
  source: AsyncIterable<Chunk>,
  hooks: RelayHooks,
  mapError: (error: unknown) => unknown = (error) => error,
): AsyncGenerator<Chunk> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      hooks.onWait?.();
      let next: IteratorResult<Chunk>;
      try {
        next = await iterator.next();
      } catch (error) {
        finished = true;
        throw mapError(error);
      }
      hooks.onChunk?.();
      if (next.done === true) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    hooks.onEnd?.();
    if (!finished) await iterator.return?.();
  }
}
