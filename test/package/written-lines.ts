import fc from 'fast-check';
import { TableCodec } from '../../src/package/table-codec.js';
import { Decimal, type CellValue, type ColumnSpec, type ColumnType } from '../../src/package/types.js';

const arbitraryOf: Record<ColumnType, fc.Arbitrary<CellValue>> = {
  string: fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', ' ', ',', ']', '[', '"', '\\', '\n', '\u0001', '\u2028') }),
  integer: fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
  decimal: fc
    .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.option(fc.stringMatching(/^\d{1,6}$/)))
    .map(([negative, whole, fraction]) => new Decimal(`${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}`)),
  boolean: fc.boolean(),
  timestamp: fc.oneof(fc.integer(), fc.integer({ min: -8.64e15, max: 8.64e15 })).map((ms) => new Date(ms)),
  binary: fc.uint8Array({ maxLength: 12 }),
};

/** A table of one to six columns of `types`, and a line the package writer writes for one of its rows. */
export function writtenLines(types: readonly ColumnType[]): fc.Arbitrary<{ columns: ColumnSpec[]; line: string }> {
  const shapes = fc.array(fc.record({ type: fc.constantFrom(...types), nullable: fc.boolean() }), { minLength: 1, maxLength: 6 });
  return shapes.chain((drawn) => {
    const columns: ColumnSpec[] = drawn.map((shape, i) => ({ name: `c${i}`, ...shape }));
    const codec = new TableCodec({ name: 't', columns, primaryKey: ['c0'], upsertCount: 1, deleteCount: 0 });
    const values = fc.tuple(...columns.map((c) => (c.nullable ? fc.option(arbitraryOf[c.type]) : arbitraryOf[c.type])));
    return values.map((row) => ({ columns, line: codec.encode({ op: 'upsert', values: row as CellValue[] }) }));
  });
}
