#!/usr/bin/env node
// A POS till for trying async-client: creates the sales tables (sales-schema.sql) in a SQLite
// channel database and sells at a steady rate until stopped (Ctrl-C, SIGTERM). On stop it
// prints one JSON line: {"sales":N,"lines":N,"longestWaitMs":N}, the last being the longest a
// sale waited for the database (the upload's reads must not hold the till up).
//
//   node examples/pos/pos-simulator.mjs [DATABASE] [--rate SALES_PER_SECOND] [--till ID]
//
// DATABASE defaults to var/channel.sqlite, the example profile's channel database.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';

const { values, positionals } = parseArgs({
  options: { rate: { type: 'string', default: '5' }, till: { type: 'string', default: 'T01' } },
  allowPositionals: true,
});
const file = positionals[0] ?? 'var/channel.sqlite';
const rate = Number(values.rate);
if (!(rate > 0)) throw new Error(`--rate must be a positive number of sales per second, got ${values.rate}`);

mkdirSync(dirname(file), { recursive: true });
const db = new Database(file, { timeout: 60_000 });
db.pragma('journal_mode = WAL');
db.exec(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'sales-schema.sql'), 'utf8'));

const ITEMS = [
  ['A-1001', '4006381333931', 'Sparkling water 1.5 l', '0.89'],
  ['A-2040', '5000112548167', 'Orange juice 1 l', '2.49'],
  ['B-0007', '8712566328352', 'Wholemeal bread', '1.95'],
  ['C-3310', '3017620422003', 'Hazelnut spread 400 g', '3.79'],
  ['D-0420', '7622210449283', 'Dark chocolate 100 g', '1.29'],
];
const insertSale = db.prepare('INSERT INTO sale (till_id, receipt_no, total, sold_at) VALUES (?, ?, ?, ?)');
const insertLine = db.prepare(`INSERT INTO sale_line (sale_id, line_no, item_id, barcode, description, quantity, unit_price,
  discount, amount, vat_rate, sold_at, replication_counter)
  VALUES (?, ?, ?, ?, ?, ?, ?, '0.00', ?, '7.00', ?, (SELECT COALESCE(MAX(replication_counter), 0) + 1 FROM sale_line))`);
const cents = (text) => Math.round(Number(text) * 100);
const money = (c) => (c / 100).toFixed(2);

let sales = 0;
let lines = 0;
const sell = db.transaction((receiptNo) => {
  const soldAt = new Date().toISOString();
  const count = 1 + (receiptNo % 4);
  const picked = Array.from({ length: count }, (_, i) => ITEMS[(receiptNo + i) % ITEMS.length]);
  const total = picked.reduce((sum, [, , , price], i) => sum + cents(price) * (1 + (i % 2)), 0);
  const saleId = Number(insertSale.run(values.till, receiptNo, money(total), soldAt).lastInsertRowid);
  picked.forEach(([item, barcode, description, price], i) => {
    const quantity = 1 + (i % 2);
    insertLine.run(saleId, i + 1, item, barcode, description, quantity, price, money(cents(price) * quantity), soldAt);
  });
  return count;
});

let longestWaitMs = 0;
let stopping = false;
function tick() {
  if (stopping) return;
  const start = process.hrtime.bigint();
  lines += sell(sales + 1);
  sales += 1;
  longestWaitMs = Math.max(longestWaitMs, Number(process.hrtime.bigint() - start) / 1e6);
  if (sales === 1) console.error(`pos-simulator: selling ${rate}/s into ${file} (stop with Ctrl-C)`);
  setTimeout(tick, 1000 / rate);
}
function stop() {
  stopping = true;
  db.close();
  console.log(JSON.stringify({ sales, lines, longestWaitMs: Math.round(longestWaitMs * 10) / 10 }));
  process.exit(0);
}
process.on('SIGINT', stop).on('SIGTERM', stop);
tick();
