import fc from 'fast-check';
import { SpilledKeys } from '../../src/cli/package/spilled-keys.js';
import { TableLines, type TableSchema } from '../../src/cli/package/table-lines.js';
import { keyFingerprint } from '../../src/package/key-set.js';

const SCHEMA: TableSchema = { name: 'Product', columns: [{ name: 'id', type: 'string', nullable: false }], primaryKey: ['id'] };

/** Rows with these keys through a table that keeps 3 keys in memory and spills 2 at a time; the row that was refused, if any. */
function refusedRow(keys: readonly string[]): number | undefined {
  const table = new TableLines(SCHEMA, 'products.csv', 3, 2);
  try {
    for (const [index, key] of keys.entries()) table.upsert([key], index + 2);
    table.checkSpilledKeys();
    return undefined;
  } catch (error) {
    expect(error).toMatchObject({ code: 'E_PACKAGE_DUPLICATE_KEY' });
    return (error as { details: { row: number } }).details.row;
  } finally {
    table.close();
  }
}

describe('SpilledKeys: repeated keys found in bounded memory', () => {
  function spilled(keys: readonly string[]): ReturnType<SpilledKeys['firstRepeat']> {
    const spill = new SpilledKeys(4);
    try {
      for (const [index, key] of keys.entries()) spill.add(keyFingerprint(key), index + 1, index + 10);
      return spill.firstRepeat();
    } finally {
      spill.close();
    }
  }

  it('finds none among distinct keys spread over several sorted runs', () => {
    expect(spilled(Array.from({ length: 23 }, (_, i) => `K${(i * 7) % 23}`))).toBeUndefined();
  });

  it('names the row and line of the earliest repeat, within a run or across runs', () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'b', 'i', 'a'];
    expect(spilled(keys)).toEqual({ row: 9, line: 18 });
    expect(spilled(['a', 'b', 'a', 'c', 'd'])).toEqual({ row: 3, line: 12 });
  });
});

describe('TableLines past the keys it keeps in memory', () => {
  it('refuses a key kept in memory at once, and one among the spilled keys once the rows are read', () => {
    const table = new TableLines(SCHEMA, 'products.csv', 3, 2);
    try {
      for (const [index, key] of ['a', 'b', 'c', 'd', 'e'].entries()) table.upsert([key], index + 2);
      expect(() => table.upsert(['b'], 7)).toThrow(/row 6: primary key "b" was already written \(line 7\)/);
      table.upsert(['d'], 8);
      expect(() => table.checkSpilledKeys()).toThrow(/row 6: its primary key was already written \(line 8\)/);
    } finally {
      table.close();
    }
  });

  it('refuses a table exactly when a key repeats, naming a row that repeats one', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 }).map(String), { maxLength: 40 }), (keys) => {
        const row = refusedRow(keys);
        if (new Set(keys).size === keys.length) expect(row).toBeUndefined();
        else expect(keys.slice(0, (row as number) - 1)).toContain(keys[(row as number) - 1]);
      }),
      { numRuns: 300 },
    );
  });
});
