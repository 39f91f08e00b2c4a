/**
 * Work the run need not wait for before the next package, but must finish before the run
 * ends: telling HQ about an applied package (status report, move) overlaps the next apply.
 * At most `limit` pieces are in flight; the promises must not reject.
 */
export class BackgroundWork {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly limit: number) {}

  async add(work: Promise<unknown>): Promise<void> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
  }
}
