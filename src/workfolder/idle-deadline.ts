/**
 * Aborts a request when it has made no progress for `seconds`: before the answer
 * arrives, or between two chunks of a body. A large transfer that keeps moving is never
 * cut, a stalled one always is.
 */
export class IdleDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(readonly seconds: number) {
    this.timer = setTimeout(() => this.controller.abort(), seconds * 1000);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expired(): boolean {
    return this.controller.signal.aborted;
  }

  /** Progress was made: the idle time starts again. */
  touch(): void {
    this.timer.refresh();
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}
