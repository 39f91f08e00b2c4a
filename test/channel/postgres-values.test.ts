import { toCopyField } from '../../src/channel/postgres-values.js';
import { Decimal } from '../../src/package/types.js';

describe('PostgreSQL COPY fields', () => {
  test('a decimal with more digits after the point than numeric(p,s) keeps is refused, one that fits passes', () => {
    expect(toCopyField(new Decimal('12.50'), { numericScale: 2 })).toBe('12.50');
    expect(toCopyField(new Decimal('12'), { numericScale: 0 })).toBe('12');
    expect(() => toCopyField(new Decimal('1.005'), { numericScale: 2 })).toThrow(/3 digits after the point/);
  });
});
