/**
 * A POS till on PostgreSQL, in a process of its own so that the apply's CPU work cannot delay
 * it: inserts one sale after another on its own connection until told `stop` on stdin, then
 * prints `{ written, longestWaitMs }` (the slowest single insert) and exits.
 * Usage: node postgres-till.js POSTGRES_URL
 */
import { createInterface } from 'node:readline';
import pg from 'pg';

const client = new pg.Client({ connectionString: process.argv[2] });
await client.connect();
await client.query(
  'CREATE TABLE IF NOT EXISTS pos_sale (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, amount numeric(12,2) NOT NULL)',
);
let stopping = false;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'stop') stopping = true;
});
process.stdout.write('writing\n');
let written = 0;
let longestWaitMs = 0;
while (!stopping) {
  const started = process.hrtime.bigint();
  await client.query('INSERT INTO pos_sale (amount) VALUES ($1)', [`${written % 1000}.95`]);
  longestWaitMs = Math.max(longestWaitMs, Number(process.hrtime.bigint() - started) / 1e6);
  written += 1;
}
await client.end();
process.stdout.write(`${JSON.stringify({ written, longestWaitMs })}\n`);
