/**
 * Runs async work one piece at a time, in call order. A SQLite connection has one
 * transaction at a time: while an apply awaits its next batch inside BEGIN ... COMMIT,
 * no other statement may slip into that transaction on the same connection.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
