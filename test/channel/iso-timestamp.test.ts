import fc from 'fast-check';
import { isoTimestamp } from '../../src/channel/iso-timestamp.js';

describe('ISO timestamps without a Date', () => {
  it('are the text toISOString writes, across the whole range a timestamp may take', () => {
    const edges = [0, -1, 1, -62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, -8.64e15];
    for (const ms of edges) expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.integer({ min: -1e11, max: 1e13 })), (ms) => {
        expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('are right for runs of timestamps in the same day and across days, as a package holds them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e13, max: 1e13 }),
        fc.array(fc.integer({ min: -90_000_000, max: 90_000_000 }), { maxLength: 50 }),
        (start, steps) => {
          let ms = start;
          for (const step of steps) {
            ms += step;
            expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
          }
        },
      ),
    );
  });
});
