import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPackageCli } from './package-cli.js';

const SPEC = `direction: download
channelId: store042
sequence: 3
job: { id: N-7, name: Items }
dataGroup: default
createdAt: 2026-11-27T10:00:00.000Z
tables:
  - name: Item
    file: item.csv
    primaryKey: [id]
    columns:
      - { name: id, type: integer }
      - { name: label, type: string }
      - { name: note, type: string, nullable: true }
`;

/** A CSV long enough to cross the reader's chunk boundaries, with quoted line breaks, commas and quotes everywhere. */
function bigCsv(rows: number): string {
  let text = 'id,label,note,_op\n';
  for (let id = 1; id <= rows; id++) text += `${id},"item ${id}, ""quoted""\nsecond line",${id % 3 === 0 ? '' : `n${id}`},\n`;
  return `${text}9999,,,delete\n`;
}

describe('package pack input checks (through the built binary)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pack-input-'));
    writeFileSync(join(dir, 'spec.yaml'), SPEC);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const pack = (file = 'item.csv'): ReturnType<typeof runPackageCli> =>
    runPackageCli(['pack', '--manifest', 'spec.yaml', '--table', `Item=${file}`, '--out', 'out.acpkg'], dir);

  it('packs quoted fields that span lines and read chunks, and a delete row that gives only its key', () => {
    writeFileSync(join(dir, 'item.csv'), bigCsv(3000));
    const packed = pack();
    expect(packed).toMatchObject({ code: 0, stderr: '' });
    expect(packed.stdout).toContain('3001 rows in 1 tables');
    expect(runPackageCli(['unpack', 'out.acpkg', '--out', 'back', '--format', 'jsonl'], dir)).toMatchObject({ code: 0 });
    const lines = readFileSync(join(dir, 'back', 'Item.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(3001);
    expect(JSON.parse(lines[2999] as string)).toEqual({ id: 3000, label: 'item 3000, "quoted"\nsecond line', note: null });
    expect(JSON.parse(lines[3000] as string)).toMatchObject({ id: 9999, _op: 'delete' });
  });

  it('reads CRLF and LF alike, skips empty lines, and keeps a quoted "" apart from an empty field', () => {
    writeFileSync(join(dir, 'item.csv'), '\uFEFFid,label,note\r\n1,"two\r\nlines",""\r\n\r\n2,"q""uote",\n\n3,x,"say ""hi"""\n4,"",z');
    expect(pack().code).toBe(0);
    expect(runPackageCli(['unpack', 'out.acpkg', '--out', 'back', '--format', 'jsonl'], dir)).toMatchObject({ code: 0 });
    const rows = readFileSync(join(dir, 'back', 'Item.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(rows).toEqual([
      { id: 1, label: 'two\r\nlines', note: '' },
      { id: 2, label: 'q"uote', note: null },
      { id: 3, label: 'x', note: 'say "hi"' },
      { id: 4, label: '', note: 'z' },
    ]);
  });

  it('names the exact line after quoted line breaks and empty lines', () => {
    writeFileSync(join(dir, 'item.csv'), 'id,label,note\r\n1,"a\r\nb\nc",""\r\n\r\n2,,x\r\n');
    const result = pack();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/E_PACK_INPUT: .*item\.csv:6: column label \(string\): null in a column/);
  });

  it('packs the same package from JSON Lines', () => {
    writeFileSync(join(dir, 'item.csv'), 'id,label,note\n1,a,\n2,b,x\n');
    writeFileSync(join(dir, 'item.jsonl'), '{"id":1,"label":"a","note":null}\r\n\n{"id":"2","label":"b","note":"x"}');
    expect(pack('item.csv').code).toBe(0);
    const fromCsv = readFileSync(join(dir, 'out.acpkg'));
    expect(pack('item.jsonl').code).toBe(0);
    expect(readFileSync(join(dir, 'out.acpkg')).equals(fromCsv)).toBe(true);
  });

  it('reads JSON Lines members in any order, repeated or unknown, with spaces, escapes and a byte order mark', () => {
    writeFileSync(join(dir, 'item.csv'), 'id,label,note\n1,"a ""b""",\n2,b,x\n3,ü,\n');
    writeFileSync(
      join(dir, 'item.jsonl'),
      [
        '\uFEFF{"id":1,"label":"a \\"b\\"","note":null}',
        ' { "note" : "x" , "extra": [1, {"y": 2}], "label":"b", "id": 2, "label" : "b" }\t',
        '{"label":"\\u00fc","id":3e0,"note":null,"_op":"upsert"}',
      ].join('\r\n'),
    );
    expect(pack('item.csv').code).toBe(0);
    const fromCsv = readFileSync(join(dir, 'out.acpkg'));
    expect(pack('item.jsonl')).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(dir, 'out.acpkg')).equals(fromCsv)).toBe(true);
  });

  it.each([
    ['an unclosed quote', 'item.csv', 'id,label,note\n1,a,\n2,"open,\n', /E_PACK_INPUT: .*item\.csv:3: Quote Not Closed/],
    ['a quote inside an unquoted field', 'item.csv', 'id,label,note\n1,ab"c,\n', /E_PACK_INPUT: .*item\.csv:2: Invalid Opening Quote/],
    ['text after a closing quote', 'item.csv', 'id,label,note\n\n1,"x"y,\n', /E_PACK_INPUT: .*item\.csv:3: Invalid Closing Quote/],
    [
      'a record with a field too many',
      'item.csv',
      'id,label,note\n1,a,,x\n',
      /E_PACK_INPUT: .*item\.csv:2: expected 3 fields as in the header, got 4/,
    ],
    ['a header without a column', 'item.csv', 'id,label\n1,a\n', /E_PACK_INPUT: .*item\.csv:1: the header must name .*missing: note/],
    ['an empty file', 'item.csv', '', /E_PACK_INPUT: .*item\.csv:1: the file is empty/],
    [
      'a null where none is allowed',
      'item.csv',
      'id,label,note\n1,,\n',
      /E_PACK_INPUT: .*item\.csv:2: column label \(string\): null in a column/,
    ],
    ['a bad integer', 'item.csv', 'id,label,note\n1.5,a,\n', /E_PACK_INPUT: .*item\.csv:2: column id \(integer\)/],
    ['a bad operation', 'item.csv', 'id,label,note,_op\n1,a,,merge\n', /E_PACK_INPUT: .*item\.csv:2: _op must be upsert or delete/],
    [
      'a key twice',
      'item.csv',
      'id,label,note\n1,a,\n2,b,\n1,c,\n',
      /E_PACKAGE_DUPLICATE_KEY: .*item\.csv: table Item, row 3: primary key "1" was already written \(line 4\)/,
    ],
    [
      'a string escaping a lone surrogate',
      'item.jsonl',
      '{"id":1,"label":"a\\ud800b","note":null}\n',
      /E_PACK_INPUT: .*item\.jsonl:1: column label \(string\): the string holds a lone surrogate/,
    ],
    ['a missing member', 'item.jsonl', '{"id":1,"label":"a"}\n', /E_PACK_INPUT: .*item\.jsonl:1: column note \(string\): missing/],
    [
      'a line that is not an object',
      'item.jsonl',
      '{"id":1,"label":"a","note":null}\n[1]\n',
      /E_PACK_INPUT: .*item\.jsonl:2: not a JSON object/,
    ],
    [
      'a truncated last line',
      'item.jsonl',
      '{"id":1,"label":"a","note":null}\n{"id":2,"label":"b"',
      /E_PACK_INPUT: .*item\.jsonl:2: not a JSON object/,
    ],
    [
      'a number JSON does not allow',
      'item.jsonl',
      '\n{"id":01,"label":"a","note":null}\n',
      /E_PACK_INPUT: .*item\.jsonl:2: not a JSON object/,
    ],
    [
      'a member of the wrong type',
      'item.jsonl',
      '{"id":1,"label":2,"note":null}\n',
      /E_PACK_INPUT: .*item\.jsonl:1: column label \(string\): expected a string, got number/,
    ],
  ])('refuses %s with the file and line, and leaves nothing behind', (_what, file, content, message) => {
    writeFileSync(join(dir, file), content);
    const result = pack(file);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(readdirSync(dir).sort()).toEqual([file, 'spec.yaml'].sort());
  });
});
