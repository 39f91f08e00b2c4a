import { Cron } from 'croner';
import fc from 'fast-check';
import { drawStartOffsetMs, planCronJob } from '../../src/schedule/cron-plan.js';

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
  it('runs an interval schedule every N minutes, counted from now plus the store offset', () => {
    const now = new Date();
    const plan = planCronJob({ kind: 'interval', minutes: 15 }, now, 7000);
    expect(plan.runDelayMs).toBe(0);
    const firstExpected = Math.floor((now.getTime() + 7000) / 1000) * 1000 + 1000;
    expect(nextRuns(plan, 3)).toEqual([0, 15, 30].map((minutes) => new Date(firstExpected + minutes * 60000).toISOString()));
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

  it('spaces interval runs exactly N minutes apart for every valid interval and offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1440 }), fc.integer({ min: 0, max: 3600 * 1000 }), (minutes, offsetMs) => {
        const now = new Date();
        const runs = nextRuns(planCronJob({ kind: 'interval', minutes }, now, offsetMs), 3).map((iso) => Date.parse(iso));
        expect(runs[0]! - now.getTime()).toBeGreaterThan(offsetMs);
        expect(runs[0]! - now.getTime()).toBeLessThanOrEqual(offsetMs + 1000);
        expect(runs[1]! - runs[0]!).toBe(minutes * 60000);
        expect(runs[2]! - runs[1]!).toBe(minutes * 60000);
      }),
      { numRuns: 50 },
    );
  });
});

describe('drawStartOffsetMs', () => {
  it('stays within 0 and the configured maximum, both ends included', () => {
    expect(drawStartOffsetMs(30, () => 0)).toBe(0);
    expect(drawStartOffsetMs(30, () => 0.9999999999)).toBe(30000);
    expect(drawStartOffsetMs(0, () => 0.5)).toBe(0);
  });
});
