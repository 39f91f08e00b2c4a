import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { CounterRange, UploadStore, UploadTableConfig } from '../../src/channel/upload-journal.js';
import { errorCode, errorMessage } from '../../src/errors.js';
import { openPackage, type RowBatch, type TableSpec } from '../../src/package/index.js';
import { writeUploadPackage } from '../../src/upload/upload-package.js';
import { openPostgresChannelDatabase } from '../../src/channel/postgres-channel-database.js';
import { sharedPostgresUrl } from '../support/postgres-server.js';
import { openPostgresSubject } from './postgres-subject.js';

const SALE: UploadTableConfig = { table: 'sale', counterColumn: 'counter' };

/** The same store, its snapshots without `encodedRows`: every row through COPY text, decoded and encoded in Node. */
function textPath(uploads: UploadStore): UploadStore {
  return Object.assign(Object.create(uploads) as UploadStore, {
    snapshot: <T>(work: Parameters<UploadStore['snapshot']>[0] & ((s: never) => Promise<T>)) =>
      uploads.snapshot((s) => work({ plan: s.plan.bind(s), tableSpec: s.tableSpec.bind(s), rows: s.rows.bind(s) } as never)),
  });
}

/**
 * PostgreSQL writing the package lines itself (postgres-upload-lines.ts) against the COPY text
 * path it replaces: for the same rows the package must be the same bytes, and a value the text
 * path refuses must be refused with the same error.
 */
describe('PostgreSQL upload: package lines written by the server', () => {
  let subject: Awaited<ReturnType<typeof openPostgresSubject>>;
  let folder: string;
  beforeEach(async () => {
    subject = await openPostgresSubject();
    folder = await mkdtemp(join(tmpdir(), 'pg-upload-lines-'));
  });
  afterEach(async () => {
    await subject.cleanup();
    rmSync(folder, { recursive: true, force: true });
  });

  /** Uploads table `sale` both ways; returns both files' bytes, or both errors. */
  async function bothPaths(): Promise<{ lines: Buffer | string; text: Buffer | string; rows: number }> {
    const plan = await subject.db.uploads.snapshot((s) => s.plan([SALE], 1_000_000));
    const session = await subject.db.uploads.recordIntent(plan.ranges);
    const write = async (uploads: UploadStore, name: string): Promise<Buffer | string> => {
      try {
        await writeUploadPackage(uploads, session, [SALE], join(folder, name));
        return readFileSync(join(folder, name));
      } catch (error) {
        return `${errorCode(error)}: ${errorMessage(error)}`;
      }
    };
    return {
      lines: await write(subject.db.uploads, 'lines.pkg'),
      text: await write(textPath(subject.db.uploads), 'text.pkg'),
      rows: plan.rows,
    };
  }

  async function readBack(file: string): Promise<RowBatch['rows']> {
    const opened = await openPackage(file);
    const rows = [];
    for await (const batch of opened.batches()) rows.push(...batch.rows);
    return rows;
  }

  /**
   * Both packages read back through the reader's checks, the first row that differs shown (a diff
   * of whole packages would take jest minutes), then the files compared byte for byte.
   */
  async function expectSamePackages(lines: Buffer | string, text: Buffer | string): Promise<RowBatch['rows']> {
    expect(Buffer.isBuffer(text) ? 'file' : text).toBe('file');
    const read = await readBack(join(folder, 'lines.pkg'));
    const expected = await readBack(join(folder, 'text.pkg'));
    const first = expected.findIndex((row, i) => !isDeepStrictEqual(row, read[i]));
    expect({ row: first, read: read[first] }).toEqual({ row: first, read: expected[first] });
    expect(read).toHaveLength(expected.length);
    expect(Buffer.isBuffer(lines) && lines.equals(text as Buffer)).toBe(true);
    return read;
  }

  test('edge values of every type: the same bytes as the text path, and the reader takes them', async () => {
    await subject.pos(`CREATE TABLE sale (
      id bigint PRIMARY KEY, small smallint, regular integer, amount numeric(12,2), quantity numeric(10,3), exact numeric,
      ratio float8, flag boolean, at timestamptz, local timestamp, data bytea, note text, label varchar(20), code char(5),
      address inet, tags text[], doc jsonb, day date, span interval, counter bigint NOT NULL)`);
    await subject.pos('CREATE INDEX ON sale (counter)');
    const rows: string[] = [
      `(1, 0, 0, 0, 0, 0, 0, true, '1970-01-01 00:00:00+00', '1970-01-01 00:00:00', '', '', '', '', '127.0.0.1', '{}', '{}', '2026-12-01', '0', 1)`,
      `(9007199254740991, -32768, -2147483648, -0.5, 1.000, -0, '-0', false, '1969-12-31 23:59:59.9995+00', '1969-12-31 23:59:59.999999', '\\x00', 'h\u00e9llo \u65e5\u672c \u{1F600}', 'caf\u00e9', 'ab', '10.0.0.0/8', '{"a \\"b\\"",c}', '{"k": [1, "\u2028"]}', '0001-01-01', '1 day 2 hours', 2)`,
      `(9007199254740992, 32767, 2147483647, 12.50, 0.001, 123456789012345678901234567890.1234567890, 0.1, NULL, '0001-01-01 00:00:00+00', '9999-12-31 23:59:59.999999', '\\xff', E'tab\\tnew\\nline\\rcr \\\\ "q" \\x01 \\x1f \\x7f </script>', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 3)`,
      `(-9007199254740992, NULL, NULL, -1234567890.99, NULL, 100, 1.5, true, '9999-12-31 23:59:59.999999+00', '1900-01-01 00:00:00.001', '\\x010203', NULL, '', 'abcde', '::1', '{NULL,""}', 'null', NULL, '-1 mon', 4)`,
      `(9223372036854775807, 1, 1, 1, 1, 0.0000001, 123456.789, false, '2026-12-01 08:15:00.123456+00', '2026-12-01 08:15:00.5', '\\x01020304', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 5)`,
      `(-9223372036854775808, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '1900-01-01 00:00:00.001+00', NULL, decode(repeat('ab', 100), 'hex'), repeat('x', 300), NULL, NULL, NULL, NULL, NULL, NULL, NULL, 6)`,
      `(7, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 7)`,
      `(8, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, (SELECT string_agg(chr(g), '') FROM generate_series(1, 255) g), NULL, NULL, NULL, NULL, NULL, NULL, NULL, 8)`,
    ];
    await subject.pos(`INSERT INTO sale VALUES ${rows.join(', ')}`);
    const { lines, text } = await bothPaths();
    const read = await expectSamePackages(lines, text);
    expect(read).toHaveLength(rows.length);
    expect(read[1]).toMatchObject({ values: expect.arrayContaining([9007199254740991, 'h\u00e9llo \u65e5\u672c \u{1F600}', 'ab   ']) });
  });

  test('random text, binary and a composite key of text and integer: the same bytes', async () => {
    await subject.pos(
      'CREATE TABLE sale (store text, line bigint, note text, data bytea, counter bigint NOT NULL, PRIMARY KEY (store, line))',
    );
    await subject.pos('CREATE INDEX ON sale (counter)');
    const texts = fc.sample(
      fc.string({ unit: 'grapheme', maxLength: 12 }).filter((t) => !t.includes('\u0000')),
      150,
    );
    const bytes = fc.sample(fc.uint8Array({ maxLength: 70 }), 150);
    for (const [i, note] of texts.entries()) {
      await subject.database.admin('INSERT INTO sale VALUES ($1, $2, $3, $4, $5)', [
        `${note}${i}`,
        i,
        note,
        Buffer.from(bytes[i] ?? []),
        i + 1,
      ]);
    }
    const { lines, text, rows } = await bothPaths();
    expect(rows).toBe(150);
    await expectSamePackages(lines, text);
  });

  test('rows split across many COPY chunks, a value longer than a chunk among them: the same bytes', async () => {
    await subject.pos(
      'CREATE TABLE sale (id bigint PRIMARY KEY, note text, amount numeric(12,2), at timestamptz, counter bigint NOT NULL)',
    );
    await subject.pos('CREATE INDEX ON sale (counter)');
    await subject.pos(`INSERT INTO sale SELECT g, CASE WHEN g % 5000 = 0 THEN repeat('long ', 40000) ELSE repeat('é', g % 40) END,
      CASE WHEN g % 3 = 0 THEN NULL ELSE g / 100.0 END, timestamptz '1969-12-31' + g * interval '1.0001 second', 20000 - g FROM generate_series(1, 20000) g`);
    const { lines, text, rows } = await bothPaths();
    expect(rows).toBe(20000);
    await expectSamePackages(lines, text);
  });

  test.each([
    ['a numeric NaN', 'numeric', `'NaN'`],
    ['a numeric infinity', 'numeric', `'Infinity'`],
    ['a float in exponent form', 'float8', '1e20'],
    ['money', 'money', '12.5'],
    ['an infinite instant', 'timestamptz', `'-infinity'`],
    ['an instant past the year 9999', 'timestamptz', `'10000-01-01 00:00:00+00'`],
    ['an instant before the common era', 'timestamp', `'0044-03-15 12:00:00 BC'`],
  ])('%s is refused as the text path refuses it, naming the row', async (_, type, value) => {
    await subject.pos(`CREATE TABLE sale (id bigint PRIMARY KEY, v ${type}, counter bigint NOT NULL)`);
    await subject.pos('CREATE INDEX ON sale (counter)');
    await subject.pos(`INSERT INTO sale VALUES (1, NULL, 1), (2, ${value}, 2)`);
    const { lines, text } = await bothPaths();
    expect([lines, text]).toEqual([
      text,
      expect.stringMatching(/^E_VALUE_UNREPRESENTABLE: upload table sale column v: .* \(the row with counter 2\)$/),
    ]);
    expect(lines).toBe(text);
  });

  test('a spec whose columns the table does not have as such: no lines from the server, the text path serves', async () => {
    await subject.pos('CREATE TABLE sale (id bigint PRIMARY KEY, note text, counter bigint NOT NULL)');
    await subject.pos('CREATE INDEX ON sale (counter)');
    await subject.pos("INSERT INTO sale VALUES (1, 'one', 1)");
    const plan = await subject.db.uploads.snapshot((s) => s.plan([SALE], 100));
    const range = plan.ranges[0] as CounterRange;
    const served = await subject.db.uploads.snapshot(async (s) => {
      const spec = await s.tableSpec(SALE, range);
      const changed = (change: (column: TableSpec['columns'][number]) => TableSpec['columns'][number]): TableSpec => ({
        ...spec,
        columns: spec.columns.map((column) => (column.name === 'note' ? change(column) : column)),
      });
      const lines = async (asked: TableSpec): Promise<string> =>
        (await s.encodedRows?.(asked, SALE, range)) === null ? 'text path' : 'server lines';
      return [
        await lines(spec),
        await lines(changed((column) => ({ ...column, name: 'remark' }))),
        await lines(changed((column) => ({ ...column, type: 'integer' }))),
      ];
    });
    expect(served).toEqual(['server lines', 'text path', 'text path']);
  });

  test('two instants in one millisecond as the key: refused as a duplicate key on both paths', async () => {
    await subject.pos('CREATE TABLE sale (at timestamptz PRIMARY KEY, counter bigint NOT NULL)');
    await subject.pos('CREATE INDEX ON sale (counter)');
    await subject.pos(`INSERT INTO sale VALUES ('2026-12-01 10:00:00.0001+00', 1), ('2026-12-01 10:00:00.0009+00', 2)`);
    const { lines, text } = await bothPaths();
    expect(text).toMatch(/^E_PACKAGE_DUPLICATE_KEY: .*row 2: primary key "1796119200000"/);
    expect(lines).toBe(text);
  });
});

describe('PostgreSQL upload from a SQL_ASCII database', () => {
  test('text not sure to be UTF-8: the COPY text path serves, and uploads the rows', async () => {
    const name = `test_ascii_${randomUUID().replaceAll('-', '')}`;
    const server = new pg.Client({ connectionString: sharedPostgresUrl() });
    await server.connect();
    const folder = await mkdtemp(join(tmpdir(), 'pg-upload-ascii-'));
    await server.query(`CREATE DATABASE ${name} ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
    const url = new URL(sharedPostgresUrl());
    url.pathname = `/${name}`;
    const target = {
      host: url.hostname,
      port: Number(url.port),
      database: name,
      user: url.username,
      password: decodeURIComponent(url.password),
    };
    const db = await openPostgresChannelDatabase(target, { channelId: 'store-1' });
    try {
      await db.migrate();
      const pos = new pg.Client({ connectionString: url.toString() });
      await pos.connect();
      await pos.query(`CREATE TABLE sale (id bigint PRIMARY KEY, note text, counter bigint NOT NULL);
        CREATE INDEX ON sale (counter); INSERT INTO sale VALUES (1, 'caf\u00e9', 1), (2, 'plain', 2)`);
      await pos.end();
      const plan = await db.uploads.snapshot((s) => s.plan([SALE], 100));
      const range = plan.ranges[0] as CounterRange;
      const encoded = await db.uploads.snapshot(async (s) => s.encodedRows?.(await s.tableSpec(SALE, range), SALE, range));
      expect(encoded).toBeNull();
      const session = await db.uploads.recordIntent(plan.ranges);
      await writeUploadPackage(db.uploads, session, [SALE], join(folder, 'ascii.pkg'));
      const rows = [];
      for await (const batch of (await openPackage(join(folder, 'ascii.pkg'))).batches()) rows.push(...batch.rows);
      expect(rows).toEqual([
        { op: 'upsert', values: [1, 'caf\u00e9', 1] },
        { op: 'upsert', values: [2, 'plain', 2] },
      ]);
    } finally {
      await db.close();
      await server.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await server.end();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
