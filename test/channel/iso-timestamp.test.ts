import fc from 'fast-check';
import { isoTimestamp, writeIsoTimestamp } from '../../src/channel/iso-timestamp.js';

/** What writeIsoTimestamp wrote, read back, between bytes it must leave as they were. */
function written(ms: number): string {
  const bytes = Buffer.alloc(40, '#');
  const length = writeIsoTimestamp(ms, bytes, 5);
  expect(bytes.toString('latin1', 0, 5) + bytes.toString('latin1', 5 + length)).toBe('#'.repeat(40 - length));
  return bytes.toString('latin1', 5, 5 + length);
}

/** Both forms, each the text toISOString writes. */
function expectIso(ms: number): void {
  const expected = new Date(ms).toISOString();
  expect(isoTimestamp(ms)).toBe(expected);
  expect(written(ms)).toBe(expected);
}

describe('ISO timestamps without a Date, as strings and as bytes', () => {
  it('are the text toISOString writes, across the whole range a timestamp may take', () => {
    const edges = [0, -1, 1, -62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, -8.64e15];
    for (const ms of edges) expectIso(ms);
    fc.assert(fc.property(fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.integer({ min: -1e11, max: 1e13 })), expectIso), {
      numRuns: 20_000,
    });
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
            expectIso(ms);
          }
        },
      ),
    );
  });
});
