import fc from 'fast-check';
import { toCopyField } from '../../src/channel/postgres-values.js';
import { Decimal } from '../../src/package/types.js';

describe('PostgreSQL COPY fields', () => {
  test('an instant is written as toISOString writes it, for any instant a Date holds', () => {
    const instants = fc.oneof(
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      fc.integer({ min: 0, max: 253_402_300_799_999 }),
      fc.constantFrom(-1, 0, 86_399_999, 86_400_000, 253_402_300_799_999, 253_402_300_800_000),
    );
    fc.assert(
      fc.property(fc.array(instants, { minLength: 1, maxLength: 5 }), (times) => {
        for (const time of times) expect(toCopyField(new Date(time), undefined)).toBe(new Date(time).toISOString());
      }),
      { numRuns: 2000 },
    );
  });

  test('a decimal with more digits after the point than numeric(p,s) keeps is refused, one that fits passes', () => {
    expect(toCopyField(new Decimal('12.50'), { numericScale: 2 })).toBe('12.50');
    expect(toCopyField(new Decimal('12'), { numericScale: 0 })).toBe('12');
    expect(() => toCopyField(new Decimal('1.005'), { numericScale: 2 })).toThrow(/3 digits after the point/);
  });
});
