import fc from 'fast-check';
import { fromPostgresText, toCopyField } from '../../src/channel/postgres-values.js';
import { Decimal } from '../../src/package/types.js';

describe('PostgreSQL COPY fields', () => {
  test('a decimal with more digits after the point than numeric(p,s) keeps is refused, one that fits passes', () => {
    expect(toCopyField(new Decimal('12.50'), { numericScale: 2 })).toBe('12.50');
    expect(toCopyField(new Decimal('12'), { numericScale: 0 })).toBe('12');
    expect(() => toCopyField(new Decimal('1.005'), { numericScale: 2 })).toThrow(/3 digits after the point/);
  });

  test('PostgreSQL instant text reads as Date.parse reads its ISO form, fractions past the millisecond cut', () => {
    const instants = fc.record({
      ms: fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }),
      micros: fc.option(fc.integer({ min: 0, max: 999_999 })),
      zone: fc.boolean(),
    });
    fc.assert(
      fc.property(instants, ({ ms, micros, zone }) => {
        const iso = new Date(ms - (((ms % 1000) + 1000) % 1000)).toISOString().slice(0, 19);
        const fraction = micros === null ? '' : `.${String(micros).padStart(6, '0').replace(/0+$/, '') || '0'}`;
        const text = `${iso.replace('T', ' ')}${fraction}${zone ? '+00' : ''}`;
        expect((fromPostgresText(text, 'timestamp', 'test') as Date).getTime()).toBe(Date.parse(`${iso}${fraction}Z`));
      }),
      { numRuns: 3000 },
    );
    expect(() => fromPostgresText('2026-12-01 10:00:00+01', 'timestamp', 'test')).toThrow(/cannot travel as timestamp/);
  });
});
