import fc from 'fast-check';
import { type BoundRows, BoundRowsBuilder, TAG } from '../../src/channel/sqlite-bound-rows.js';
import { bindersFor, bindsScannedRows } from '../../src/channel/sqlite-row-writer.js';
import { declaredTypeFor } from '../../src/channel/sqlite-values.js';
import { FlatRowReader } from '../../src/package/flat-row.js';
import type { ColumnSpec, TableSpec } from '../../src/package/types.js';
import { COLUMN_TYPES } from '../../src/package/values.js';
import { writtenLines } from '../package/written-lines.js';

function tableOf(columns: readonly ColumnSpec[]): TableSpec {
  return { name: 't', columns, primaryKey: ['c0'], upsertCount: 1, deleteCount: 0 };
}

/** What the writer thread reads of the rows, in plain arrays. */
function asRead(rows: BoundRows): unknown {
  const { parts, tags, numbers, text, others } = rows;
  return { parts, tags: [...tags], numbers: [...numbers], text: Buffer.from(text).toString('hex'), others };
}

describe('BoundRowsBuilder: a line scanned, without its values made', () => {
  it('binds as the binders bind the values FlatRowReader makes of the same line', () => {
    let scanned = 0;
    fc.assert(
      fc.property(writtenLines(COLUMN_TYPES.filter((type) => type !== 'binary')), ({ columns, line }) => {
        const spec = tableOf(columns);
        // The types a table the package creates gets: integers and booleans in INTEGER columns.
        const types = columns.map((column) => declaredTypeFor(column.type));
        expect(bindsScannedRows(spec, types)).toBe(true);
        const reader = new FlatRowReader(columns);
        if (!reader.scan(line)) return;
        scanned++;
        // Every other row numbered, as a staging table's rows are: the row's number comes first.
        const numbered = scanned % 2 === 0;
        const fromValues = new BoundRowsBuilder();
        fromValues.append(3, reader.values() ?? [], bindersFor(spec, types), 7, numbered);
        const fromLine = new BoundRowsBuilder();
        fromLine.appendScanned(3, reader, columns.length, 7, numbered);
        const bound = fromLine.build();
        expect(asRead(bound)).toEqual(asRead(fromValues.build()));
        expect(bound.tags.length).toBe(columns.length + (numbered ? 1 : 0));
        if (numbered) expect([bound.tags[0], bound.numbers[0]]).toEqual([TAG.NUMBER, 7]);
      }),
      { numRuns: 3000 },
    );
    expect(scanned).toBeGreaterThan(1000);
  });

  it.each([
    ['an integer column the POS declared TEXT: its values bind as bigints', 'integer', 'TEXT'],
    ['a boolean column without a declared type', 'boolean', ''],
    ['a binary column: its base64 binds as bytes', 'binary', 'BLOB'],
  ] as const)('leaves %s to the binders', (_, type, declared) => {
    const columns: ColumnSpec[] = [
      { name: 'c0', type: 'integer', nullable: false },
      { name: 'c1', type, nullable: true },
    ];
    expect(bindsScannedRows(tableOf(columns), ['INTEGER', declared])).toBe(false);
  });
});
