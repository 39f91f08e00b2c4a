import { Readable } from 'node:stream';
import type { RelayHooks } from './streams.js';

/**
 * The stream a resumable GET hands its reader: the bodies of one or more answers (the first,
 * then the ranges that resume it), pushed on chunk by chunk from their `data` events. No
 * promise per chunk: a 500 MB package is some 32,000 TLS records, and the async generators
 * that relayed them before cost a sixth of the GET's time in its profile.
 */
export class PushedBody extends Readable {
  private source: Readable | undefined;
  private hooks: RelayHooks = {};
  /** Ends the relay under way when the reader destroys this stream. */
  private abandon: (() => void) | undefined;

  /**
   * Passes `source`'s chunks on, each through `take` (which returns what to pass on, or
   * nothing), until it ends (resolves) or fails (rejects with `mapError` of its error). While
   * the reader is full the source is paused and `hooks.onChunk` called (the reader's turn);
   * `hooks.onWait` whenever we wait on the source again.
   */
  relay(
    source: Readable,
    take: (chunk: Buffer) => Buffer | undefined,
    hooks: RelayHooks,
    mapError: (error: unknown) => unknown,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const finish = (error?: unknown): void => {
        source.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
        this.source = undefined;
        this.abandon = undefined;
        hooks.onEnd?.();
        if (error === undefined) resolve();
        else reject(error);
      };
      const onData = (chunk: Buffer): void => {
        const fresh = take(chunk);
        if (fresh === undefined || this.push(fresh)) {
          hooks.onWait?.();
          return;
        }
        source.pause();
        hooks.onChunk?.();
      };
      const onEnd = (): void => finish();
      const onError = (error: unknown): void => finish(mapError(error));
      const onClose = (): void => finish(mapError(new Error('the body was closed before its end')));
      this.source = source;
      this.hooks = hooks;
      this.abandon = () => finish(new Error('the reader stopped reading'));
      source.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
      hooks.onWait?.();
    });
  }

  override _read(): void {
    if (this.source?.isPaused() !== true) return;
    this.hooks.onWait?.();
    this.source.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const source = this.source;
    this.abandon?.();
    source?.destroy();
    callback(error);
  }
}
