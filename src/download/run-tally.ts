import type { CycleReport } from '../schedule/cycle.js';

/** Why the cycle stopped before the end of the download area. */
export type DownloadWait =
  | { readonly reason: 'gap'; readonly sequence: number; readonly message: string }
  | { readonly reason: 'suspended'; readonly sequence: number; readonly message: string }
  | { readonly reason: 'backoff'; readonly sequence: number; readonly message: string };

/**
 * What one run did, turned into the CycleReport at the end. `fields.waiting` is set when the
 * run is blocked by something it cannot resolve itself; `download --once` exits 3 on it.
 */
export class RunTally {
  private readonly applied: number[] = [];
  private rows = 0;
  private failures = 0;
  private settled = 0;
  private wait: DownloadWait | undefined;

  recordApplied(sequence: number, rows: number): void {
    this.applied.push(sequence);
    this.rows += rows;
  }

  recordFailure(): void {
    this.failures += 1;
  }

  /** A finished package moved out of the download area after a crash or a cancel. */
  recordSettled(): void {
    this.settled += 1;
  }

  waitFor(wait: DownloadWait): void {
    this.wait = wait;
  }

  report(): CycleReport {
    const parts: string[] = [];
    const first = this.applied[0];
    const last = this.applied.at(-1);
    if (first !== undefined && last !== undefined) {
      const span = first === last ? `seq ${first}` : `seq ${first}-${last}`;
      parts.push(`applied ${this.applied.length} package${this.applied.length === 1 ? '' : 's'} (${span})`);
    }
    if (this.failures > 0) parts.push(`${this.failures} failed`);
    if (this.settled > 0) parts.push(`${this.settled} settled`);
    if (this.wait !== undefined) parts.push(this.wait.message);
    const outcome = this.failures > 0 ? 'failed' : this.applied.length > 0 || this.settled > 0 ? 'done' : 'idle';
    return {
      outcome,
      summary: parts.length === 0 ? 'no download package to apply' : parts.join('; '),
      fields: {
        applied: this.applied.length,
        rows: this.rows,
        failed: this.failures,
        ...(first === undefined ? {} : { firstSequence: first, lastSequence: last }),
        ...(this.wait === undefined ? {} : { waiting: this.wait.reason, waitingFor: this.wait.sequence }),
      },
    };
  }
}
