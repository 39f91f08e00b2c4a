import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

/** Bytes a transfer moves between two collections of the young generation (`YoungGarbage`). */
const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;

/**
 * Collects the young generation every few MiB of a large transfer. Each chunk of a TLS body
 * (16 KiB) or of a file read is a Buffer of its own, garbage as soon as it is passed on; but V8
 * collects young buffers only once 32 MB of them have piled up, and promotes those still in
 * flight at that moment, which then wait for a full collection. A 500 MB GET peaked at 100 MB
 * RSS in a process of 61 MB; a minor collection of the few live objects costs well under a
 * millisecond. (`--expose-gc` set at run time gives the collector to new contexts only.)
 */
export class YoungGarbage {
  private since = 0;

  /** `bytes` more have been passed on. */
  add(bytes: number): void {
    this.since += bytes;
    if (this.since < COLLECT_EVERY_BYTES) return;
    this.since = 0;
    collectYoung();
  }
}

let collector: ((options: { type: 'minor' }) => void) | undefined;

function collectYoung(): void {
  if (collector === undefined) {
    setFlagsFromString('--expose-gc');
    collector = runInNewContext('gc') as (options: { type: 'minor' }) => void;
  }
  collector({ type: 'minor' });
}
