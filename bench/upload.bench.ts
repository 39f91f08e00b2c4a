/**
 * The upload cycle against a baseline measured in the same run (issue 5): 1,000,000 new rows
 * of a 12-column sales-line table (examples/pos/sales-schema.sql) extracted and published
 * through the whole cycle (plan in a snapshot, intent, package build with every check, staging,
 * atomic publish, watermark commit; packages of the default 50,000 rows), against the same rows
 * read with better-sqlite3 `iterate()` and written as gzip'd JSON arrays to one file, with no
 * journal and no checksum. A POS till (examples/pos/pos-simulator.mjs) sells throughout both
 * phases; its longest wait for the database is reported. Each phase runs in its own process
 * on a fresh copy of the same database (bench/support/phases.ts) for a clean peak RSS; the
 * median of BENCH_REPEAT (3) interleaved runs is kept.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import Database from 'better-sqlite3';
import { Registry } from 'prom-client';
import { openSqliteChannelDatabase } from '../src/channel/sqlite-channel-database.js';
import { createLogger } from '../src/observe/logger.js';
import { drainOrClose } from '../src/package/drain.js';
import type { Profile } from '../src/profile/profile.js';
import { systemClock } from '../src/schedule/clock.js';
import { createUploadCycle } from '../src/upload/upload-cycle.js';
import { channelFolders } from '../src/workfolder/layout.js';
import { LocalWorkingFolder } from '../src/workfolder/local.js';
import { formatCount, markdownTable, measurePhase, phaseArgument, runPhasesMedian, type PhaseResult } from './support/phases.js';

const ROWS = Number(process.env.BENCH_UPLOAD_ROWS ?? 1_000_000);
const MAX_ROWS_PER_PACKAGE = Number(process.env.BENCH_UPLOAD_PACKAGE_ROWS ?? 50_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const POS_SALES_PER_SECOND = 20;
const DIR_ENV = 'BENCH_UPLOAD_DIR';
const CHANNEL = 'bench';
const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../examples/pos');

const ITEMS = ['Sparkling water 1.5 l', 'Orange juice 1 l', 'Wholemeal bread', 'Hazelnut spread 400 g', 'Dark chocolate 100 g', 'Free-range eggs x10'];

/** The template database: ROWS sale lines, 2 to 5 per sale (with their sales, so that the till goes on after them), counters 1..ROWS. */
function prepareTemplate(file: string): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(readFileSync(join(EXAMPLES, 'sales-schema.sql'), 'utf8'));
  const insert = db.prepare(`INSERT INTO sale_line (sale_id, line_no, item_id, barcode, description, quantity, unit_price, discount,
    amount, vat_rate, sold_at, replication_counter) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertSale = db.prepare('INSERT INTO sale (till_id, receipt_no, total, sold_at) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    let sale = 1;
    let line = 1;
    for (let counter = 1; counter <= ROWS; counter++) {
      const cents = 49 + ((counter * 7919) % 5_000);
      const quantity = 1 + (counter % 3);
      const price = (cents / 100).toFixed(2);
      insert.run(sale, line, `I-${String(counter % 9973).padStart(5, '0')}`, counter % 10 === 0 ? null : String(4_000_000_000_000 + (counter % 9973)),
        ITEMS[counter % ITEMS.length], quantity, price, counter % 7 === 0 ? '0.50' : '0.00', ((cents * quantity) / 100).toFixed(2),
        counter % 4 === 0 ? '19.00' : '7.00', new Date(1_772_442_000_000 + sale * 45_000).toISOString(), counter);
      if (line >= 2 + (sale % 4) || counter === ROWS) {
        insertSale.run('T01', sale, '0.00', new Date(1_772_442_000_000 + sale * 45_000).toISOString());
        sale += 1;
        line = 1;
      } else {
        line += 1;
      }
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

function paths(phase: string): { template: string; database: string; folder: string; state: string } {
  const dir = process.env[DIR_ENV] as string;
  return { template: join(dir, 'template.sqlite'), database: join(dir, phase, 'channel.sqlite'), folder: join(dir, phase, 'folder'), state: join(dir, phase, 'state') };
}

/** A POS till selling into the database while `work` runs; also returns the till's longest wait for the database. */
async function withPos<T>(database: string, work: () => Promise<T>): Promise<{ result: T; posLongestWaitMs: number }> {
  const pos = spawn(process.execPath, [join(EXAMPLES, 'pos-simulator.mjs'), database, '--rate', String(POS_SALES_PER_SECOND)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  pos.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    pos.stderr.once('data', () => resolve());
    pos.once('exit', (code) => reject(new Error(`the POS simulator exited with ${code} before selling`)));
  });
  let result: T;
  try {
    result = await work();
  } finally {
    const exited = once(pos, 'exit');
    pos.kill('SIGTERM');
    await exited;
  }
  const tally = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as { longestWaitMs: number };
  return { result, posLongestWaitMs: tally.longestWaitMs };
}

function freshCopy(phase: string): ReturnType<typeof paths> {
  const p = paths(phase);
  mkdirSync(p.folder, { recursive: true });
  copyFileSync(p.template, p.database);
  return p;
}

function profileFor(p: ReturnType<typeof paths>): Profile {
  return {
    sourcePath: join(p.state, 'profile.yaml'),
    profile: { name: 'bench', downloadIntervalMinutes: 60, uploadIntervalMinutes: 1 },
    schedule: {},
    channel: { id: CHANNEL, database: p.database },
    workingFolder: { adapter: 'local', path: p.folder },
    stateDirectory: p.state,
    log: { level: 'warn' },
    daemon: { shutdownGraceSeconds: 30, startJitterSeconds: 0 },
    download: { tryLimit: 3, retryBackoffSeconds: 60, gapReportMinutes: 60, allowCreateTables: false },
    upload: { maxRowsPerPackage: MAX_ROWS_PER_PACKAGE, tables: [{ name: 'sale_line', counterColumn: 'replication_counter' }] },
  };
}

const phases: Record<string, () => Promise<Record<string, number>>> = {
  async baseline() {
    const p = freshCopy('baseline');
    const out = join(p.folder, 'baseline.json.gz');
    const { result: rows, posLongestWaitMs } = await withPos(p.database, async () => {
      const db = new Database(p.database, { readonly: true });
      const gzip = createGzip();
      const done = pipeline(gzip, createWriteStream(out));
      let count = 0;
      let text = '';
      for (const values of db.prepare('SELECT * FROM sale_line WHERE replication_counter > ? ORDER BY replication_counter').raw(true).iterate(0) as IterableIterator<unknown[]>) {
        text += `${JSON.stringify(values)}\n`;
        count += 1;
        if (text.length >= 128 * 1024) {
          if (!gzip.write(text)) await drainOrClose(gzip);
          text = '';
        }
      }
      gzip.end(text);
      await done;
      db.close();
      return count;
    });
    return { rows, fileBytes: statSync(out).size, posLongestWaitMs };
  },
  async cycle() {
    const p = freshCopy('cycle');
    const channelDatabase = await openSqliteChannelDatabase(p.database, { channelId: CHANNEL });
    await channelDatabase.migrate();
    const profile = profileFor(p);
    const cycle = createUploadCycle({
      channelDatabase, workingFolder: new LocalWorkingFolder(p.folder), profile: () => profile,
      log: createLogger('warn'), registry: new Registry(), clock: systemClock,
    });
    const { posLongestWaitMs } = await withPos(p.database, async () => {
      const report = await cycle.run(new AbortController().signal);
      if (report.outcome !== 'done') throw new Error(`the upload cycle did not publish: ${report.summary}`);
    });
    const sessions = await channelDatabase.uploads.list({ limit: 1_000_000 });
    await channelDatabase.close();
    const area = join(p.folder, channelFolders(CHANNEL).upload);
    const fileBytes = readdirSync(area).reduce((sum, name) => sum + statSync(join(area, name)).size, 0);
    return { rows: sessions.reduce((sum, s) => sum + s.rows, 0), packages: sessions.length, fileBytes, posLongestWaitMs };
  },
};

async function runParent(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-upload-'));
  try {
    prepareTemplate(join(dir, 'template.sqlite'));
    const env = { [DIR_ENV]: dir };
    const results = runPhasesMedian(import.meta.url, ['baseline', 'cycle'], REPEAT, env);
    const baseline = results.get('baseline') as PhaseResult;
    const cycle = results.get('cycle') as PhaseResult;
    const rate = (r: PhaseResult): number => Number(r.rows) / r.seconds;
    const line = (label: string, r: PhaseResult): string[] => [
      label, formatCount(Number(r.rows)), formatCount(rate(r)), `${(rate(r) / rate(baseline)).toFixed(2)}x`, `${r.peakRssMb.toFixed(0)} MB`,
      `${(Number(r.fileBytes) / 2 ** 20).toFixed(1)} MB`, `${Number(r.posLongestWaitMs).toFixed(1)} ms`,
    ];
    console.log(`upload: ${formatCount(ROWS)} new rows of a 12-column sale_line table, packages of ${formatCount(MAX_ROWS_PER_PACKAGE)} rows; a POS till sells ${POS_SALES_PER_SECOND}/s throughout (node ${process.version}; median of ${REPEAT} runs per phase, interleaved, each in its own process on a fresh copy of the database)\n`);
    console.log(markdownTable(
      ['operation', 'rows', 'rows/s', 'ratio', 'peak RSS', 'output', 'POS longest wait'],
      [line('baseline: iterate() + gzip JSON arrays, one file, no journal, no checksum', baseline), line(`upload cycle (${cycle.packages} packages)`, cycle)],
    ));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const phase = phaseArgument();
if (phase === undefined) {
  await runParent();
} else {
  const work = phases[phase];
  if (work === undefined) throw new Error(`unknown phase ${phase}`);
  await measurePhase(phase, work);
}
