import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { profileJsonSchemaText } from '../../src/profile/json-schema.js';
import { schemaProblems } from '../../src/profile/schema-problems.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface JsonSchemaNode {
  readonly type?: string;
  readonly properties?: Record<string, JsonSchemaNode>;
  readonly items?: JsonSchemaNode;
  readonly anyOf?: readonly JsonSchemaNode[];
  readonly additionalProperties?: boolean;
  readonly title?: string;
  readonly description?: string;
  readonly errorMessage?: string;
  readonly const?: unknown;
}

/** Every schema node with the JSON pointer-ish path that leads to it. */
function* nodes(node: JsonSchemaNode, at = '#'): Generator<[string, JsonSchemaNode]> {
  yield [at, node];
  for (const [key, child] of Object.entries(node.properties ?? {})) yield* nodes(child, `${at}/${key}`);
  if (node.items !== undefined) yield* nodes(node.items, `${at}[]`);
  for (const [index, variant] of (node.anyOf ?? []).entries()) yield* nodes(variant, `${at}|${index}`);
}

function validDocument(overrides: { downloadIntervalMinutes?: unknown; extra?: Record<string, unknown> } = {}): unknown {
  return {
    profile: { name: 'Store 0042', downloadIntervalMinutes: overrides.downloadIntervalMinutes ?? 15, uploadIntervalMinutes: 15 },
    channel: { id: 'store-0042' },
    workingFolder: { adapter: 'local', path: '/mnt/hq' },
    ...overrides.extra,
  };
}

describe('config/profile.schema.json', () => {
  test('is exactly what the schema generates (regenerate: node dist/src/profile/export-schema.js > config/profile.schema.json)', async () => {
    const committed = await readFile(path.join(repositoryRoot, 'config/profile.schema.json'), 'utf8');
    expect(committed).toBe(profileJsonSchemaText());
  });

  const schema = JSON.parse(profileJsonSchemaText()) as JsonSchemaNode & { $schema: string };

  test('names its dialect', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  test('refuses unknown keys in every map', () => {
    const maps = [...nodes(schema)].filter(([, node]) => node.type === 'object');
    expect(maps.length).toBeGreaterThan(10);
    expect(maps.filter(([, node]) => node.additionalProperties !== false).map(([at]) => at)).toEqual([]);
  });

  test('documents every field for editors: title, description, and the words of its error', () => {
    const fields = [...nodes(schema)].filter(([at]) => at !== '#' && !/\|\d+$/.test(at) && !at.endsWith('[]'));
    expect(fields.filter(([, node]) => node.title === undefined || node.description === undefined).map(([at]) => at)).toEqual([]);
    const leaves = [...nodes(schema)].filter(([, node]) => node.type !== undefined && node.type !== 'object' && node.type !== 'array');
    expect(leaves.filter(([, node]) => !node.errorMessage?.startsWith('expected ')).map(([at]) => at)).toEqual([]);
  });
});

describe('schemaProblems', () => {
  test('accepts a minimal document', () => {
    expect(schemaProblems(validDocument())).toEqual([]);
  });

  test('any whole number of minutes outside 1..1440 is refused at that field', () => {
    const outside = fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 1441 }));
    fc.assert(
      fc.property(outside, (minutes) => {
        expect(schemaProblems(validDocument({ downloadIntervalMinutes: minutes }))).toEqual([
          {
            path: ['profile', 'downloadIntervalMinutes'],
            target: 'value',
            expected: 'a whole number of minutes from 1 to 1440',
            found: String(minutes),
          },
        ]);
      }),
    );
  });

  test('any whole number of minutes within 1..1440 is accepted', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1440 }),
        (minutes) => schemaProblems(validDocument({ downloadIntervalMinutes: minutes })).length === 0,
      ),
    );
  });

  test('any fraction of a minute is refused', () => {
    const fractions = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((value) => !Number.isInteger(value));
    fc.assert(
      fc.property(
        fractions,
        (minutes) =>
          schemaProblems(validDocument({ downloadIntervalMinutes: minutes }))[0]?.path.join('.') === 'profile.downloadIntervalMinutes',
      ),
    );
  });

  test('any unknown top-level key is reported at its key', () => {
    const known = new Set(['profile', 'schedule', 'channel', 'workingFolder', 'stateDirectory', 'log', 'daemon', 'download', 'upload']);
    const unknownKey = fc.string({ minLength: 1 }).filter((key) => !known.has(key) && key !== '__proto__');
    fc.assert(
      fc.property(unknownKey, (key) => {
        expect(schemaProblems(validDocument({ extra: { [key]: 1 } }))).toEqual([
          expect.objectContaining({ path: [key], target: 'key', found: `an unknown field "${key}"` }),
        ]);
      }),
    );
  });
});
