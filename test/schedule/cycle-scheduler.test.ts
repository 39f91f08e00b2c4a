import { Writable } from 'node:stream';
import { createLogger } from '../../src/observe/logger.js';
import { DaemonMetrics } from '../../src/observe/metrics.js';
import { systemClock } from '../../src/schedule/clock.js';
import type { Cycle, CycleReport } from '../../src/schedule/cycle.js';
import { CycleScheduler, type CycleResult } from '../../src/schedule/cycle-scheduler.js';

const YEARLY = { kind: 'pattern', pattern: '0 0 0 1 1 *' } as const;

/** A cycle whose runs end when the test says so. */
class GatedCycle implements Cycle {
  readonly direction = 'download' as const;
  readonly signals: AbortSignal[] = [];
  private releases: Array<(report: CycleReport) => void> = [];
  private failures: Array<(error: Error) => void> = [];

  run(signal: AbortSignal): Promise<CycleReport> {
    this.signals.push(signal);
    return new Promise((resolve, reject) => {
      this.releases.push(resolve);
      this.failures.push(reject);
    });
  }

  finish(report: CycleReport = { outcome: 'done', summary: 'applied 1' }): void {
    this.failures.shift();
    this.releases.shift()!(report);
  }

  fail(error: Error): void {
    this.releases.shift();
    this.failures.shift()!(error);
  }
}

const schedulers: CycleScheduler[] = [];

afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((scheduler) => scheduler.stop(0)));
});

function setup() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const metrics = new DaemonMetrics();
  const results: CycleResult[] = [];
  let resultArrived: () => void = () => undefined;
  const scheduler = new CycleScheduler({
    log: createLogger('debug', destination),
    metrics,
    clock: systemClock,
    onResult: (result) => {
      results.push(result);
      resultArrived();
    },
  });
  schedulers.push(scheduler);
  const nextResult = () => new Promise<void>((resolve) => (resultArrived = resolve));
  const events = (name: string) => lines.filter((line) => line.event === name);
  return { scheduler, metrics, results, nextResult, events };
}

describe('CycleScheduler', () => {
  it('never overlaps a cycle with itself: a trigger during a run is counted and logged as an overrun', async () => {
    const { scheduler, metrics, results, nextResult, events } = setup();
    const cycle = new GatedCycle();
    scheduler.set(cycle, YEARLY);

    scheduler.runNow('download');
    scheduler.runNow('download');
    scheduler.runNow('download');
    expect(cycle.signals).toHaveLength(1);
    expect(scheduler.isRunning('download')).toBe(true);
    expect((await metrics.cycleOverruns.get()).values).toEqual([expect.objectContaining({ value: 2, labels: { direction: 'download' } })]);
    expect(events('cycle.overrun')).toHaveLength(2);

    const done = nextResult();
    cycle.finish();
    await done;
    expect(results).toEqual([expect.objectContaining({ direction: 'download', outcome: 'done', summary: 'applied 1' })]);
    scheduler.runNow('download');
    expect(cycle.signals).toHaveLength(2);
    cycle.finish();
    await scheduler.stop(1000);
  });

  it('keeps the guard across a reschedule: the new job does not start while the old run goes on', async () => {
    const { scheduler } = setup();
    const cycle = new GatedCycle();
    scheduler.set(cycle, YEARLY);
    scheduler.runNow('download');
    scheduler.set(cycle, { kind: 'pattern', pattern: '0 0 0 2 1 *' });
    scheduler.runNow('download');
    expect(cycle.signals).toHaveLength(1);
    expect(scheduler.schedule('download')).toEqual({ kind: 'pattern', pattern: '0 0 0 2 1 *' });
    cycle.finish();
    await scheduler.stop(1000);
  });

  it('turns a throw into a logged, counted failure and keeps scheduling', async () => {
    const { scheduler, metrics, results, nextResult, events } = setup();
    const cycle = new GatedCycle();
    scheduler.set(cycle, YEARLY);
    scheduler.runNow('download');
    const failed = nextResult();
    cycle.fail(Object.assign(new Error('mount gone'), { code: 'EIO' }));
    await failed;

    expect(results[0]).toMatchObject({ outcome: 'error', summary: 'EIO: mount gone' });
    expect(events('cycle.failed')).toEqual([expect.objectContaining({ direction: 'download', code: 'EIO' })]);
    expect((await metrics.cycleRuns.get()).values).toEqual([
      expect.objectContaining({ value: 1, labels: { direction: 'download', outcome: 'error' } }),
    ]);
    expect(scheduler.nextRun('download')).not.toBeNull();
    scheduler.runNow('download');
    expect(cycle.signals).toHaveLength(2);
    cycle.finish();
    await scheduler.stop(1000);
  });

  it('on stop, aborts the run in flight, waits for it to finish, and starts nothing more', async () => {
    const { scheduler, results } = setup();
    const cycle = new GatedCycle();
    scheduler.set(cycle, YEARLY);
    scheduler.runNow('download');

    const stopped = scheduler.stop(60000);
    expect(cycle.signals[0]!.aborted).toBe(true);
    expect(scheduler.nextRun('download')).toBeNull();
    cycle.finish({ outcome: 'done', summary: 'finished the package in hand' });
    await expect(stopped).resolves.toBe(true);
    expect(results).toHaveLength(1);

    scheduler.runNow('download');
    expect(cycle.signals).toHaveLength(1);
  });

  it('reports a run that outlives the grace period', async () => {
    const { scheduler } = setup();
    const cycle = new GatedCycle();
    scheduler.set(cycle, YEARLY);
    scheduler.runNow('download');
    await expect(scheduler.stop(10)).resolves.toBe(false);
    cycle.finish();
  });
});
