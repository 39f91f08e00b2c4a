import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PosProcess, type PosTally } from '../../bench/support/pos-process.js';
import type { UploadRig } from './upload-rig.js';

/** The POS selling into a rig's channel database all through a test, in processes of its own. */
export interface SellingPos {
  /** Stops selling (once, however often called); what was sold and committed. */
  stop(): Promise<Pick<PosTally, 'sales' | 'lines'>>;
}

/**
 * One till on PostgreSQL: each sale and its one to three lines in one transaction, the sale's id
 * from its identity and each line's counter from a sequence, as PostgreSQL POS schemas draw them;
 * sells until told `stop` on stdin, then prints its tally.
 */
const TILL = `
const pg = require('pg');
const [url, till, pause] = process.argv.slice(1);
const client = new pg.Client({ connectionString: url });
let stopping = false;
require('node:readline').createInterface({ input: process.stdin }).on('line', () => { stopping = true; });
(async () => {
  await client.connect();
  process.stdout.write('selling\\n');
  let sales = 0, lines = 0;
  while (!stopping) {
    await client.query('BEGIN');
    const { rows } = await client.query(
      "INSERT INTO sale (till_id, receipt_no, total, sold_at) VALUES ($1, $2, '3.00', now()) RETURNING id", [till, sales + 1]);
    const count = 1 + (sales % 3);
    for (let line = 1; line <= count; line += 1) {
      await client.query(
        "INSERT INTO sale_line (sale_id, line_no, item_id, barcode, description, quantity, unit_price, discount, amount, vat_rate, sold_at, replication_counter) " +
        "VALUES ($1, $2, 'A-1', NULL, 'item', 1, '1.00', '0.00', '1.00', '7.00', now(), nextval('sale_line_counter'))", [rows[0].id, line]);
    }
    await client.query('COMMIT');
    sales += 1;
    lines += count;
    await new Promise((resolve) => setTimeout(resolve, Number(pause)));
  }
  await client.end();
  process.stdout.write(JSON.stringify({ sales, lines }) + '\\n');
  process.exit(0);
})();
`;

/**
 * Starts the POS on the rig's engine: the example POS simulator on SQLite; on PostgreSQL two
 * tills at once, whose sales commit in another order than their ids and counters were drawn.
 */
export async function startSelling(rig: UploadRig, salesPerSecond: number): Promise<SellingPos> {
  const { setting } = rig.subject;
  if (typeof setting === 'string') return PosProcess.start(setting, salesPerSecond);
  await rig.subject.pos('CREATE SEQUENCE sale_line_counter');
  const url = `postgres://${setting.user}:${setting.password}@${setting.host}:${setting.port}/${setting.database}`;
  const tills = await Promise.all(['T1', 'T2'].map((till) => startTill(url, till, 2000 / salesPerSecond)));
  let stopped: Promise<Pick<PosTally, 'sales' | 'lines'>> | undefined;
  return {
    stop() {
      stopped ??= Promise.all(tills.map((stop) => stop())).then((tallies) => ({
        sales: tallies.reduce((n, t) => n + t.sales, 0),
        lines: tallies.reduce((n, t) => n + t.lines, 0),
      }));
      return stopped;
    },
  };
}

async function startTill(url: string, till: string, pauseMs: number): Promise<() => Promise<Pick<PosTally, 'sales' | 'lines'>>> {
  const child = spawn(process.execPath, ['-e', TILL, url, till, String(pauseMs)], {
    cwd: process.cwd(),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.value !== 'selling') throw new Error(`till ${till} did not start selling`);
  return async () => {
    child.stdin.end('stop\n');
    return JSON.parse(String((await lines.next()).value)) as Pick<PosTally, 'sales' | 'lines'>;
  };
}
