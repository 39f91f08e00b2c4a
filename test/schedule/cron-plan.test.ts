import { Cron } from 'croner';
import fc from 'fast-check';
import { planCronJob } from '../../src/schedule/cron-plan.js';

const NOW = new Date('2026-03-02T10:00:00.000Z');

/** The plan's next runs after `from`; without `from`, after the real now (croner's own clock). */
function nextRuns(plan: ReturnType<typeof planCronJob>, count: number, from?: Date): string[] {
  const job = new Cron(plan.pattern, { ...plan.options, paused: true });
  try {
    return job.nextRuns(count, from).map((date) => date.toISOString());
  } finally {
    job.stop();
  }
}

describe('planCronJob', () => {
  // croner counts an interval from its own clock, so interval plans start from the real now.
  it('runs an interval schedule every N minutes at the same place in every interval, counted from the epoch', () => {
    const now = new Date();
    const plan = planCronJob({ kind: 'interval', minutes: 15 }, now, 7000);
    expect(plan.runDelayMs).toBe(0);
    const runs = nextRuns(plan, 3).map((iso) => Date.parse(iso));
    for (const run of runs) expect(run % (15 * 60_000)).toBe(7000);
    expect(runs[0]! - now.getTime()).toBeGreaterThan(0);
    expect(runs[0]! - now.getTime()).toBeLessThanOrEqual(15 * 60_000);
  });

  it('gives the same run times whenever the daemon starts: a restart does not move a store', () => {
    const plan = (now: Date) => planCronJob({ kind: 'interval', minutes: 5 }, now, 137_000);
    const fromNow = nextRuns(plan(new Date()), 4);
    const afterRestart = nextRuns(plan(new Date(Date.now() + 137_345)), 2);
    expect(fromNow).toEqual(expect.arrayContaining(afterRestart));
  });

  it('keeps an operator pattern as written and delays each run by the store offset instead', () => {
    const plan = planCronJob({ kind: 'pattern', pattern: '0 */15 8-22 * * *' }, NOW, 12000);
    expect(plan.runDelayMs).toBe(12000);
    expect(nextRuns(plan, 2, NOW)).toEqual(['2026-03-02T10:15:00.000Z', '2026-03-02T10:30:00.000Z']);
  });

  it('reads a pattern in the profile time zone', () => {
    const plan = planCronJob({ kind: 'pattern', pattern: '0 0 9 * * *', timezone: 'Europe/Paris' }, NOW, 0);
    expect(nextRuns(plan, 1, NOW)).toEqual(['2026-03-03T08:00:00.000Z']);
  });

  it('spaces interval runs exactly N minutes apart, at the offset, for every valid interval and offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1440 }), fc.integer({ min: 0, max: 1439 * 60 }), (minutes, offsetSeconds) => {
        const offsetMs = (offsetSeconds % (minutes * 60)) * 1000;
        const now = new Date();
        const runs = nextRuns(planCronJob({ kind: 'interval', minutes }, now, offsetMs), 3).map((iso) => Date.parse(iso));
        expect(runs[0]! % (minutes * 60_000)).toBe(offsetMs);
        expect(runs[0]! - now.getTime()).toBeLessThanOrEqual(minutes * 60_000);
        expect(runs[1]! - runs[0]!).toBe(minutes * 60000);
        expect(runs[2]! - runs[1]!).toBe(minutes * 60000);
      }),
      { numRuns: 50 },
    );
  });
});
