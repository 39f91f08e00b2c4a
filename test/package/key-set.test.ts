import fc from 'fast-check';
import { KeyFingerprintSet } from '../../src/package/key-set.js';

describe('primary key fingerprints', () => {
  it('report exactly the keys seen before, in any order, sorted runs and growth included, whatever the count declared', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer()), { maxLength: 3000 }),
        fc.boolean(),
        (keys, sortFirst) => {
          const ordered = sortFirst ? [...keys].sort((a, b) => a - b) : keys;
          const set = new KeyFingerprintSet();
          const seen = new Set<number>();
          for (const key of ordered) {
            expect(set.add(String(key), key)).toBe(!seen.has(key));
            seen.add(key);
          }
        },
      ),
    );
  });

  it('keeps an ascending run without a table, then still finds a repeat of an early key', () => {
    const set = new KeyFingerprintSet();
    for (let i = 0; i < 5000; i++) expect(set.add(`K${String(i).padStart(5, '0')}`, `K${String(i).padStart(5, '0')}`)).toBe(true);
    expect(set.add('K00007', 'K00007')).toBe(false);
    expect(set.add('K99999', 'K99999')).toBe(true);
    expect(set.add('K00008', 'K00008')).toBe(false);
  });
});

describe('ascending integer keys', () => {
  it.each([
    ['through add', false],
    ['through addAscendingInteger first, as the content parser adds them', true],
  ])('are kept as gaps, whatever their size and sign, and still report every repeat once out of order (%s)', (_, fast) => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.integer({ min: -300, max: 300 }), fc.maxSafeInteger(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
          {
            maxLength: 2000,
          },
        ),
        fc.nat({ max: 2000 }),
        (keys, sortedPrefix) => {
          const asKey = (key: number | bigint): number | bigint =>
            typeof key === 'bigint' && Number.isSafeInteger(Number(key)) ? Number(key) : key;
          const distinct = [...new Set(keys.map(asKey).map(String))].map((text) => asKey(BigInt(text)));
          const sorted = distinct.slice(0, sortedPrefix).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          const ordered = [...sorted, ...keys.map(asKey)];
          const set = new KeyFingerprintSet();
          const seen = new Set<string>();
          for (const key of ordered) {
            const added = (fast && typeof key === 'number' && set.addAscendingInteger(key)) || set.add(String(key), key);
            expect(added).toBe(!seen.has(String(key)));
            seen.add(String(key));
          }
        },
      ),
    );
  });
});
