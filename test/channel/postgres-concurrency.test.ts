import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { RowBatch } from '../../src/package/types.js';
import { manifest, PRODUCT, products, seen, upserts } from './fixtures.js';
import { openPostgresSubject } from './postgres-subject.js';

/** A till in a process of its own: sells until told `stop`, then prints how many sales it wrote. */
const TILL = `
const pg = require('pg');
const client = new pg.Client({ connectionString: process.argv[1] });
let stopping = false;
require('node:readline').createInterface({ input: process.stdin }).on('line', () => { stopping = true; });
(async () => {
  await client.connect();
  process.stdout.write('selling\\n');
  let written = 0;
  while (!stopping) {
    await client.query('INSERT INTO pos_sale (amount) VALUES ($1)', [written + '.50']);
    written += 1;
  }
  await client.end();
  process.stdout.write(JSON.stringify({ written }) + '\\n');
  process.exit(0);
})();
`;

describe('PostgreSQL channel database shared with the POS', () => {
  let subject: Awaited<ReturnType<typeof openPostgresSubject>>;
  beforeEach(async () => {
    subject = await openPostgresSubject();
    await subject.pos('CREATE TABLE pos_sale (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, amount numeric(10,2) NOT NULL)');
  });
  afterEach(async () => {
    await subject.cleanup();
  });

  test('a POS process selling all through a large full apply is never held up for good and loses nothing', async () => {
    const till = spawn(process.execPath, ['-e', TILL, subject.database.url], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: till.stdout })[Symbol.asyncIterator]();
    expect((await lines.next()).value).toBe('selling');
    const session = await seen(subject.db, 1);
    const counts = await subject.db.applyPackage(manifest(1, 'full', [PRODUCT]), products(100_000), {
      sessionId: session.id,
      allowCreateTables: true,
    });
    till.stdin.end('stop\n');
    const report = JSON.parse(String((await lines.next()).value)) as { written: number };
    expect(counts).toEqual({ product: 100_000 });
    expect(await subject.query('SELECT COUNT(*) AS n FROM product')).toEqual([{ n: 100_000 }]);
    expect(await subject.query('SELECT COUNT(*) AS n FROM pos_sale')).toEqual([{ n: report.written }]);
    expect(report.written).toBeGreaterThan(1);
  });

  test('while a full package replaces a table, the POS reads the old rows and writes its own, unblocked; then sees the new ones', async () => {
    await subject.pos('CREATE TABLE product (id bigint PRIMARY KEY, name text, price numeric)');
    await subject.pos("INSERT INTO product VALUES (1, 'tea', 2.50), (2, 'coffee', 3.10)");
    const session = await seen(subject.db, 1);
    let seenByPos: Record<string, unknown>[] = [];
    async function* readingMidway(): AsyncIterable<RowBatch> {
      yield* products(5000, 'new');
      seenByPos = await subject.query('SELECT name FROM product ORDER BY id');
      await subject.pos("INSERT INTO pos_sale (amount) VALUES ('9.99')");
      yield upserts(PRODUCT, [[5001, 'newer 5001', null]]);
    }
    await subject.db.applyPackage(manifest(1, 'full', [PRODUCT]), readingMidway(), { sessionId: session.id, allowCreateTables: false });
    expect(seenByPos).toEqual([{ name: 'tea' }, { name: 'coffee' }]);
    expect(await subject.query('SELECT name FROM product WHERE id IN (1, 5001) ORDER BY id')).toEqual([
      { name: 'new 1' },
      { name: 'newer 5001' },
    ]);
    expect(await subject.query('SELECT COUNT(*) AS n FROM pos_sale')).toEqual([{ n: 1 }]);
  });
});
