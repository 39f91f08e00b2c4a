import fc from 'fast-check';
import { Readable } from 'node:stream';
import { readPackageBatches } from '../../src/package/reader.js';
import { Decimal, type CellValue, type ColumnSpec, type ColumnType, type PackageRow, type TableSpec } from '../../src/package/types.js';
import { COLUMN_TYPES } from '../../src/package/values.js';
import { manifestFor, writePackage } from './package-fixtures.js';

const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

const arbitraryOf: Record<ColumnType, fc.Arbitrary<CellValue>> = {
  string: fc.string({ unit: 'binary', maxLength: 20 }),
  integer: fc.oneof(fc.maxSafeInteger(), fc.bigInt(INT64)),
  decimal: fc
    .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.option(fc.stringMatching(/^\d{1,20}$/)))
    .map(([negative, whole, fraction]) => new Decimal(`${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}`)),
  boolean: fc.boolean(),
  timestamp: fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => new Date(ms)),
  binary: fc.uint8Array({ maxLength: 40 }),
};

/** What a reader gives back for a value: integers are numbers whenever they are safe. */
function normalised(value: CellValue): CellValue {
  return typeof value === 'bigint' && Number.isSafeInteger(Number(value)) ? Number(value) : value;
}

const columnsArb = fc.array(fc.record({ type: fc.constantFrom(...COLUMN_TYPES), nullable: fc.boolean() }), { minLength: 0, maxLength: 6 });

/** A table whose key is column `id` (string or integer), with generated rows and unique keys. */
const tableArb = (tableIndex: number): fc.Arbitrary<{ table: TableSpec; rows: PackageRow[] }> =>
  fc.tuple(fc.constantFrom<ColumnType>('string', 'integer'), columnsArb).chain(([keyType, extra]) => {
    const columns: ColumnSpec[] = [
      { name: 'id', type: keyType, nullable: false },
      ...extra.map((column, i) => ({ name: `c${i}`, ...column })),
    ];
    const rowArb = fc.tuple(
      arbitraryOf[keyType],
      fc.tuple(...columns.slice(1).map((column) => (column.nullable ? fc.option(arbitraryOf[column.type]) : arbitraryOf[column.type]))),
      fc.boolean(),
    );
    return fc.uniqueArray(rowArb, { maxLength: 30, selector: ([key]) => String(key) }).map((generated) => {
      const rows: PackageRow[] = generated.map(([key, rest, isDelete]) =>
        isDelete ? { op: 'delete', key: [key] } : { op: 'upsert', values: [key, ...(rest as CellValue[])] },
      );
      const deleteCount = rows.filter((row) => row.op === 'delete').length;
      const table: TableSpec = { name: `T${tableIndex}`, columns, primaryKey: ['id'], upsertCount: rows.length - deleteCount, deleteCount };
      return { table, rows };
    });
  });

describe('round trip over generated tables', () => {
  it('reads back exactly what was written: every type, nulls, unicode, 64-bit integers, exact decimals, binary, timestamps', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => tableArb(i)))),
        fc.integer({ min: 1, max: 7 }),
        async (tables, batchRows) => {
          const bytes = await writePackage(manifestFor(tables.map((t) => t.table)), new Map(tables.map((t) => [t.table.name, t.rows])));
          const read = new Map<string, PackageRow[]>();
          const scan = readPackageBatches(() => Readable.from([bytes]), { batchRows });
          for await (const batch of scan) {
            expect(batch.rows.length).toBeLessThanOrEqual(batchRows);
            read.set(batch.table.name, [...(read.get(batch.table.name) ?? []), ...batch.rows]);
          }
          for (const { table, rows } of tables) {
            const expected = rows.map((row) =>
              row.op === 'upsert' ? { op: 'upsert', values: row.values.map(normalised) } : { op: 'delete', key: row.key.map(normalised) },
            );
            expect(read.get(table.name) ?? []).toEqual(expected);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
