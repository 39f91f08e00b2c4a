import fc from 'fast-check';
import { FlatRowReader } from '../../src/package/flat-row.js';
import { TableCodec } from '../../src/package/table-codec.js';
import { Decimal, type CellValue, type ColumnSpec } from '../../src/package/types.js';
import { COLUMN_TYPES } from '../../src/package/values.js';
import { writtenLines } from './written-lines.js';

const writtenLine = writtenLines(COLUMN_TYPES);

/** Pieces that JSON.parse reads otherwise or refuses, or that do not fit a column. */
const piece = fc.constantFrom(
  ' ',
  '1.5',
  '1e2',
  '-0',
  '01',
  '9007199254740993',
  '1234567890123456',
  '"x"',
  '"12.50"',
  'true',
  'null',
  ',',
  ']',
  '[',
  '],[2',
  '\\u0041',
  '"',
  '',
);

const mutatedLine = writtenLine.chain(({ columns, line }) =>
  fc.tuple(fc.nat(line.length), fc.nat(line.length), piece).map(([a, b, text]) => {
    const [from, to] = a < b ? [a, b] : [b, a];
    return { columns, line: line.slice(0, from) + text + line.slice(to) };
  }),
);

/** What JSON.parse and the codec make of the line, or undefined when they refuse it. */
function bySlowPath(columns: readonly ColumnSpec[], line: string): CellValue[] | undefined {
  const codec = new TableCodec({ name: 't', columns, primaryKey: ['c0'], upsertCount: 1, deleteCount: 0 });
  try {
    const wire: unknown = JSON.parse(line);
    if (!Array.isArray(wire)) return undefined;
    const row = codec.decodeUpsert(wire);
    return row.op === 'upsert' ? [...row.values] : undefined;
  } catch {
    return undefined;
  }
}

describe('FlatRowReader: upsert lines without JSON.parse', () => {
  it('reads what the writer writes as JSON.parse and the codec do, or leaves it to them', () => {
    let read = 0;
    fc.assert(
      fc.property(writtenLine, ({ columns, line }) => {
        const values = new FlatRowReader(columns).read(line);
        if (values === undefined) return;
        read++;
        expect(values).toEqual(bySlowPath(columns, line));
      }),
      { numRuns: 3000 },
    );
    expect(read).toBeGreaterThan(1000);
  });

  it('never accepts a line the slow path reads otherwise or refuses', () => {
    let read = 0;
    fc.assert(
      fc.property(mutatedLine, ({ columns, line }) => {
        const values = new FlatRowReader(columns).read(line);
        if (values === undefined) return;
        read++;
        expect(bySlowPath(columns, line)).toEqual(values);
      }),
      { numRuns: 5000 },
    );
    expect(read).toBeGreaterThan(100);
  });

  const columns: ColumnSpec[] = [
    { name: 'id', type: 'integer', nullable: false },
    { name: 'name', type: 'string', nullable: true },
    { name: 'price', type: 'decimal', nullable: false },
    { name: 'active', type: 'boolean', nullable: false },
    { name: 'at', type: 'timestamp', nullable: false },
  ];

  it('reads the usual row into its values', () => {
    expect(new FlatRowReader(columns).read('[-0,null,"12.50",true,1767225600000]')).toEqual([
      0,
      null,
      new Decimal('12.50'),
      true,
      new Date(1767225600000),
    ]);
  });

  it.each([
    ['two values on the line', '[1,"a","1.00",true,0],[2,"b","2.00",false,0]'],
    ['a space between tokens', '[1, "a","1.00",true,0]'],
    ['an escape', '[1,"a\\"b","1.00",true,0]'],
    ['a fraction in an integer', '[1.0,"a","1.00",true,0]'],
    ['an integer as a string', '["1","a","1.00",true,0]'],
    ['an integer beyond 15 digits', '[1234567890123456,"a","1.00",true,0]'],
    ['a decimal that is not one', '[1,"a","1.0.0",true,0]'],
    ['null where not nullable', '[1,"a",null,true,0]'],
    ['a value short', '[1,"a","1.00",true]'],
    ['a value more', '[1,"a","1.00",true,0,0]'],
    ['a leading zero', '[01,"a","1.00",true,0]'],
  ])('leaves %s to JSON.parse', (_, line) => {
    expect(new FlatRowReader(columns).read(line)).toBeUndefined();
  });
});
