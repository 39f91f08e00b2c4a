import fc from 'fast-check';
import type { CycleSchedule } from '../../src/profile/cycle-schedule.js';
import { housekeepingOffsetMs, storeOffsetsMs } from '../../src/schedule/store-offsets.js';

const every = (minutes: number): CycleSchedule => ({ kind: 'interval', minutes });
/** No rank (hashed) or any rank of any fleet. */
const anyFleet = fc.option(fc.integer({ min: 1, max: 10_000 }).chain((of) => fc.record({ rank: fc.nat(of - 1), of: fc.constant(of) })));
const pattern: CycleSchedule = { kind: 'pattern', pattern: '0 */15 8-22 * * *' };

describe('storeOffsetsMs', () => {
  test('is stable: the same channel gets the same offsets every time', () => {
    const schedules = { download: every(5), upload: every(15) };
    expect(storeOffsetsMs('STORE-0042', schedules, 30)).toEqual(storeOffsetsMs('STORE-0042', schedules, 30));
    expect(housekeepingOffsetMs('STORE-0042')).toBe(housekeepingOffsetMs('STORE-0042'));
  });

  test('spreads a fleet over the whole interval, not only the start jitter: every tenth of it gets its share', () => {
    const buckets = new Array<number>(10).fill(0);
    for (let store = 0; store < 2000; store += 1) {
      const { download } = storeOffsetsMs(`store-${store}`, { download: every(10), upload: every(10) }, 30);
      buckets[Math.floor(download / 60_000)]! += 1;
    }
    for (const count of buckets) {
      expect(count).toBeGreaterThan(150);
      expect(count).toBeLessThan(250);
    }
  });

  test('ranked, a fleet of 200 with both cycles every minute gets at most 8 runs in any second (mean 6.67)', () => {
    const perSecond = new Array<number>(60).fill(0);
    for (let rank = 0; rank < 200; rank += 1) {
      const offsets = storeOffsetsMs(`store-${rank}`, { download: every(1), upload: every(1) }, 30, { rank, of: 200 });
      perSecond[offsets.download / 1000]! += 1;
      perSecond[offsets.upload / 1000]! += 1;
    }
    expect(perSecond.reduce((sum, count) => sum + count, 0)).toBe(400);
    expect(Math.max(...perSecond)).toBeLessThanOrEqual(8);
    expect(Math.min(...perSecond)).toBeGreaterThanOrEqual(6);
  });

  test('offsets are whole seconds inside the interval, or inside the jitter for a pattern', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.integer({ min: 1, max: 1440 }),
        fc.integer({ min: 0, max: 3600 }),
        anyFleet,
        (id, minutes, jitter, fleet) => {
          const offsets = storeOffsetsMs(id, { download: every(minutes), upload: pattern }, jitter, fleet ?? undefined);
          expect(offsets.download % 1000).toBe(0);
          expect(offsets.download).toBeLessThan(minutes * 60_000);
          expect(offsets.upload).toBeLessThanOrEqual(jitter * 1000);
        },
      ),
    );
  });

  test('download and upload never start in the same second, whatever the two intervals', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 120 }),
        anyFleet,
        (id, d, u, fleet) => {
          const offsets = storeOffsetsMs(id, { download: every(d), upload: every(u) }, 30, fleet ?? undefined);
          // Run times d*k + od and u*m + ou meet in a second exactly when od ≡ ou (mod gcd(d, u) minutes).
          const gcdSeconds = gcd(d, u) * 60;
          const apart = ((offsets.upload - offsets.download) / 1000) % gcdSeconds;
          expect((apart + gcdSeconds) % gcdSeconds).not.toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
