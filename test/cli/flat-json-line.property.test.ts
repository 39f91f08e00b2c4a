import fc from 'fast-check';
import { FlatJsonLine } from '../../src/cli/package/flat-json-line.js';

const NAMES = ['id', 'label', 'note', '_op'];

/** What JSON.parse makes of the line for each name, or undefined when the line is no JSON object. */
function byJsonParse(line: string): unknown[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const object = parsed as Record<string, unknown>;
  return NAMES.map((name) => (Object.hasOwn(object, name) ? object[name] : undefined));
}

function read(line: string): unknown[] | undefined {
  const values = new Array<unknown>(NAMES.length).fill('left over from the line before');
  return new FlatJsonLine(NAMES).read(line, values) ? values : undefined;
}

const space = fc.constantFrom('', ' ', '\t', ' \r', '  ');
const plainValue = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', ' ', ',', ':', '}', '{', '[', "'") }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const member = fc.tuple(fc.constantFrom(...NAMES, 'other', 'Id'), plainValue);
/** A flat object as exporters write it, with JSON's whitespace anywhere between tokens. */
const flatLine = fc
  .tuple(fc.array(fc.tuple(member, space, space, space, space), { maxLength: 7 }), space, space)
  .map(
    ([members, before, after]) =>
      `${before}{${members.map(([[name, value], s1, s2, s3, s4]) => `${s1}${JSON.stringify(name)}${s2}:${s3}${JSON.stringify(value)}${s4}`).join(',')}}${after}`,
  );

describe('FlatJsonLine: JSON Lines rows without an object per row', () => {
  it('reads every flat object, whatever its whitespace, order or repeated members, as JSON.parse does', () => {
    fc.assert(
      fc.property(flatLine, (line) => {
        expect(read(line)).toEqual(byJsonParse(line));
      }),
      { numRuns: 2000 },
    );
  });

  it('never accepts a line JSON.parse would read otherwise or refuse', () => {
    const anyLine = fc.oneof(
      fc.json(),
      flatLine.chain((line) =>
        fc.tuple(fc.nat(line.length), fc.nat(line.length), fc.string({ maxLength: 3 })).map(([at, cut, text]) => {
          const [from, to] = at < cut ? [at, cut] : [cut, at];
          return line.slice(0, from) + text + line.slice(to);
        }),
      ),
    );
    let accepted = 0;
    fc.assert(
      fc.property(anyLine, (line) => {
        const values = read(line);
        if (values === undefined) return;
        accepted++;
        expect(byJsonParse(line)).toEqual(values);
      }),
      { numRuns: 5000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it.each([
    ['an escape in a value', '{"id":1,"label":"a\\"b"}'],
    ['an escaped member name', '{"\\u0069d":1}'],
    ['a raw control character', '{"label":"a\tb"}'],
    ['a nested value', '{"id":1,"note":{"x":1}}'],
    ['a number JSON does not allow', '{"id":01}'],
    ['a truncated line', '{"id":1,"label":"a"'],
    ['text after the object', '{"id":1} x'],
    ['an array', '[1,2]'],
    ['an empty line', '   '],
  ])('leaves %s to JSON.parse', (_what, line) => {
    expect(read(line)).toBeUndefined();
  });

  it('reads nothing when a column name would need an escape in JSON', () => {
    expect(new FlatJsonLine(['say "hi"']).read('{"id":1}', [undefined])).toBe(false);
  });
});
