import fc from 'fast-check';
import { CsvScanner, CsvSyntaxError, type CsvField } from '../../src/cli/package/csv-records.js';

/** Feeds `text` in the given chunk sizes and returns every record with its first line. */
function parse(text: string, cuts: readonly number[] = []): { records: CsvField[][]; lines: number[] } {
  const scanner = new CsvScanner();
  const records: CsvField[][] = [];
  const lines: number[] = [];
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    scanner.push(text.slice(at, cut), records, lines);
    at = cut;
  }
  scanner.push(text.slice(at), records, lines);
  scanner.end(records, lines);
  return { records, lines };
}

/** RFC 4180 text for records: null as an empty field, a string always quoted. */
function toCsv(records: readonly CsvField[][], newline: string): string {
  return (
    records.map((record) => record.map((field) => (field === null ? '' : `"${field.replaceAll('"', '""')}"`)).join(',')).join(newline) +
    newline
  );
}

describe('CsvScanner', () => {
  it('reads back any records, however the text is cut into chunks', () => {
    const field = fc.oneof(fc.constant(null), fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'é', '✓') }));
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.nat(), { maxLength: 5 }),
        (records, newline, rawCuts) => {
          const text = toCsv(records, newline);
          const cuts = rawCuts.map((cut) => cut % (text.length + 1));
          expect(parse(text, cuts).records).toEqual(records);
        },
      ),
    );
  });

  it('splits unquoted lines fast, keeps "" apart from an empty field, and counts lines across quoted line breaks', () => {
    const { records, lines } = parse('a,b,c\r\n1,,""\n\n"two\nlines",x,\nlast,"q""uote",z');
    expect(records).toEqual([
      ['a', 'b', 'c'],
      ['1', null, ''],
      ['two\nlines', 'x', null],
      ['last', 'q"uote', 'z'],
    ]);
    expect(lines).toEqual([1, 2, 4, 6]);
  });

  it.each([
    ['an open quote at the end of the file', 'a,b\n1,"open\n', 2, /not closed/],
    ['a quote inside an unquoted field', 'a,b\n1,ab"c\n', 2, /quote inside an unquoted field/],
    ['text after a closing quote', 'a,b\n\n1,"x"y\n', 3, /closing quote must be followed/],
  ])('refuses %s, naming the line', (_what, text, line, message) => {
    let thrown: unknown;
    try {
      parse(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CsvSyntaxError);
    expect((thrown as CsvSyntaxError).line).toBe(line);
    expect((thrown as CsvSyntaxError).message).toMatch(message);
  });
});
