import { affinityOf, columnTypeOf, declaredTypeFor, fromSqlite, isCompatible } from '../../src/channel/sqlite-values.js';
import type { ColumnType } from '../../src/package/types.js';

const TYPES: readonly ColumnType[] = ['string', 'integer', 'decimal', 'boolean', 'timestamp', 'binary'];

describe('SQLite column types', () => {
  test('tables we create read back as the package types they were created from', () => {
    for (const type of TYPES) {
      expect(columnTypeOf(declaredTypeFor(type))).toBe(type);
      expect(isCompatible(type, declaredTypeFor(type))).toBe(true);
    }
  });

  test('decimals and timestamps we create have TEXT affinity, so SQLite never turns 12.50 into a float', () => {
    expect(affinityOf(declaredTypeFor('decimal'))).toBe('TEXT');
    expect(affinityOf(declaredTypeFor('timestamp'))).toBe('TEXT');
  });

  test.each([
    ['VARCHAR(40)', 'string'],
    ['BIGINT', 'integer'],
    ['DECIMAL(10,2)', 'decimal'],
    ['REAL', 'decimal'],
    ['DATETIME', 'timestamp'],
    ['BOOLEAN', 'boolean'],
    ['BLOB', 'binary'],
    ['', 'binary'],
  ])('a POS column declared %j travels as %s', (declared, type) => {
    expect(columnTypeOf(declared)).toBe(type);
  });

  test('a package column goes only where SQLite keeps its values unchanged', () => {
    expect(isCompatible('string', 'NUMERIC')).toBe(false);
    expect(isCompatible('integer', 'TEXT')).toBe(false);
    expect(isCompatible('binary', 'TEXT')).toBe(false);
    expect(isCompatible('decimal', 'DECIMAL(10,2)')).toBe(true);
    expect(isCompatible('string', '')).toBe(true);
  });
});

describe('values a POS wrote', () => {
  test("SQLite's own datetime() text has no zone and is read as UTC", () => {
    expect(fromSqlite('2026-11-27 15:04:05', 'timestamp', 'here')).toEqual(new Date('2026-11-27T15:04:05.000Z'));
  });

  test('a value the package format cannot carry is named with where it was found', () => {
    expect(() => fromSqlite(1764255845n, 'timestamp', 'upload table sale column sold_at')).toThrow(
      expect.objectContaining({
        code: 'E_VALUE_UNREPRESENTABLE',
        message: expect.stringContaining('upload table sale column sold_at'),
      }),
    );
    expect(() => fromSqlite(1e21, 'decimal', 'x')).toThrow(expect.objectContaining({ code: 'E_VALUE_UNREPRESENTABLE' }));
    expect(() => fromSqlite(2n, 'boolean', 'x')).toThrow(expect.objectContaining({ code: 'E_VALUE_UNREPRESENTABLE' }));
  });
});
