/**
 * Aborts a request when the server has made no progress for `seconds`: before its answer
 * arrives, or between two chunks of a body. Time spent on our side (a slow consumer of a
 * download, a slow producer of an upload) is not counted: `stop()` while we work,
 * `start()` when we wait on the server again. A large transfer that keeps moving is never
 * cut; a stalled one always is.
 */
export class IdleDeadline {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly seconds: number) {
    this.start();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expired(): boolean {
    return this.controller.signal.aborted;
  }

  /** We wait on the server from now: the idle time starts again. */
  start(): void {
    if (this.expired) return;
    // Called for every chunk of a body: the running timer is moved, not replaced.
    if (this.timer !== undefined) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => this.controller.abort(), this.seconds * 1000);
    this.timer.unref();
  }

  /** The server is not what we wait on (or the request is over). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
