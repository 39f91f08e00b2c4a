import fc from 'fast-check';
import { Decimal, type CellValue } from '../../src/package/types.js';
import { subjectPerTest } from './apply-fixtures.js';
import { applied, manifest, table, upserts } from './fixtures.js';
import type { SubjectFactory } from './subject.js';

const EVERY_TYPE = table(
  'every_type',
  [
    ['id', 'integer', false],
    ['text', 'string'],
    ['int', 'integer'],
    ['dec', 'decimal'],
    ['flag', 'boolean'],
    ['at', 'timestamp'],
    ['bytes', 'binary'],
  ],
  ['id'],
);

/** Values travel unchanged: written by a package, read back for upload. */
export function describeApplyValuesContract(open: SubjectFactory): void {
  const subject = subjectPerTest(open);

  const counter = { table: 'every_type', counterColumn: 'id' };
  const roundTrip = async (rows: readonly (readonly CellValue[])[], sequence: number): Promise<readonly CellValue[][]> => {
    await applied(subject().db, manifest(sequence, 'full', [EVERY_TYPE]), upserts(EVERY_TYPE, rows));
    return subject().db.uploads.snapshot(async (snapshot) => {
      const plan = await snapshot.plan([counter], 1_000_000);
      const out: CellValue[][] = [];
      for (const range of plan.ranges) {
        const spec = await snapshot.tableSpec(counter, range);
        for await (const batch of snapshot.rows(spec, counter, range, 7)) {
          for (const row of batch.rows) if (row.op === 'upsert') out.push([...row.values]);
        }
      }
      return out;
    });
  };

  test('edges of every type: 64-bit integers, exact decimals, booleans, timestamps, bytes, nulls', async () => {
    const rows: CellValue[][] = [
      [
        1,
        'héllo "quoted" \\ \t\n\r ✓',
        2n ** 63n - 1n,
        new Decimal('-0.10'),
        true,
        new Date('2026-11-27T12:34:56.789Z'),
        new Uint8Array([0, 255, 1]),
      ],
      [2, '', -(2n ** 63n), new Decimal('12345678901234567890.123456789012345678'), false, new Date(0), new Uint8Array([])],
      [3, null, null, null, null, null, null],
      [4, 'x', Number.MAX_SAFE_INTEGER, new Decimal('0'), true, new Date('1999-12-31T23:59:59.999Z'), new Uint8Array(70000).fill(7)],
    ];
    expect(await roundTrip(rows, 1)).toEqual(rows);
  });

  test('a package of megabytes, in many batches, multibyte text and a value larger than a write, arrives whole and in place', async () => {
    const text = (id: number): string => `${id} é€𝄞 ${'ü'.repeat(id % 200)}`;
    const rows: CellValue[][] = Array.from({ length: 6000 }, (_, i) => [i + 1, text(i + 1), i, null, i % 2 === 0, null, null]);
    rows[2999] = [3000, '€'.repeat(300_000), 3000, null, true, null, new Uint8Array(100_000).fill(1)];
    expect(await roundTrip(rows, 1)).toEqual(rows);
  });

  test('any row of every type comes back as it went in', async () => {
    const cell = {
      // NUL is left out: PostgreSQL text cannot hold it (each adapter's own test says what it does with one).
      text: fc.option(
        fc.string({ unit: 'grapheme' }).filter((t) => !t.includes('\u0000')),
        { nil: null },
      ),
      int: fc.option(
        fc.oneof(
          fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((n) => !Number.isSafeInteger(Number(n))),
          fc.maxSafeInteger(),
        ),
        { nil: null },
      ),
      dec: fc.option(
        fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.nat(12)).map(([n, scale]) => decimal(n, scale)),
        { nil: null },
      ),
      flag: fc.option(fc.boolean(), { nil: null }),
      at: fc.option(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), {
        nil: null,
      }),
      bytes: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }),
    };
    let sequence = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record(cell), { minLength: 1, maxLength: 20 }), async (records) => {
        sequence += 1;
        const rows = records.map((r, i): CellValue[] => [i + 1, r.text, r.int, r.dec, r.flag, r.at, r.bytes]);
        expect(await roundTrip(rows, sequence)).toEqual(rows);
      }),
      { numRuns: 40 },
    );
  });
}

/** `n` scaled by 10^-scale, in the canonical text the package format uses. */
function decimal(n: bigint, scale: number): Decimal {
  const digits = (n < 0n ? -n : n).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return new Decimal(n < 0n ? `-${text}` : text);
}
