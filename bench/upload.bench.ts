/**
 * The upload cycle against a baseline measured in the same run (issue 5): 1,000,000 new rows
 * of a 12-column sales-line table (examples/pos/sales-schema.sql) extracted and published
 * through the whole cycle (plan in a snapshot, intent, package build with every check, staging,
 * atomic publish, watermark commit; packages of the default 50,000 rows), against the same rows
 * read with better-sqlite3 `iterate()` and written as gzip'd JSON arrays to one file, with no
 * journal and no checksum. A POS till (examples/pos/pos-simulator.mjs) sells throughout both
 * phases; its longest wait for the database is reported. Each phase runs in its own process,
 * for a clean peak RSS (bench/support/phases.ts), on a fresh copy of the same database made and
 * flushed before its clock starts; the median of BENCH_REPEAT (3) interleaved runs is kept.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { Registry } from 'prom-client';
import { openSqliteChannelDatabase } from '../src/channel/sqlite-channel-database.js';
import { createLogger } from '../src/observe/logger.js';
import type { Profile } from '../src/profile/profile.js';
import { systemClock } from '../src/schedule/clock.js';
import { createUploadCycle } from '../src/upload/upload-cycle.js';
import { channelFolders } from '../src/workfolder/layout.js';
import { LocalWorkingFolder } from '../src/workfolder/local.js';
import { writeGzipJsonLines } from './support/gzip-json-lines.js';
import {
  formatCount,
  markdownTable,
  runBenchmark,
  runPhasesMedian,
  scratchDirectory,
  type BenchPhase,
  type PhaseResult,
} from './support/phases.js';
import { PosProcess, POS_EXAMPLES } from './support/pos-process.js';
import { copySynced } from './support/synced-copy.js';
import { UPLOAD_RETRY_FIRST_SECONDS, UPLOAD_RETRY_MAX_SECONDS } from '../src/upload/retry-backoff.js';
import { testStoreProfile } from '../test/support/store-profile.js';

const ROWS = Number(process.env.BENCH_UPLOAD_ROWS ?? 1_000_000);
const MAX_ROWS_PER_PACKAGE = Number(process.env.BENCH_UPLOAD_PACKAGE_ROWS ?? 50_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const POS_SALES_PER_SECOND = 20;
const CHANNEL = 'bench';

const ITEMS = [
  'Sparkling water 1.5 l',
  'Orange juice 1 l',
  'Wholemeal bread',
  'Hazelnut spread 400 g',
  'Dark chocolate 100 g',
  'Free-range eggs x10',
];

/** The template database: ROWS sale lines, 2 to 5 per sale (with their sales, so that the till goes on after them), counters 1..ROWS. */
function prepareTemplate(file: string): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(readFileSync(join(POS_EXAMPLES, 'sales-schema.sql'), 'utf8'));
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
      insert.run(
        sale,
        line,
        `I-${String(counter % 9973).padStart(5, '0')}`,
        counter % 10 === 0 ? null : String(4_000_000_000_000 + (counter % 9973)),
        ITEMS[counter % ITEMS.length],
        quantity,
        price,
        counter % 7 === 0 ? '0.50' : '0.00',
        ((cents * quantity) / 100).toFixed(2),
        counter % 4 === 0 ? '19.00' : '7.00',
        new Date(1_772_442_000_000 + sale * 45_000).toISOString(),
        counter,
      );
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
  const dir = scratchDirectory();
  return {
    template: join(dir, 'template.sqlite'),
    database: join(dir, phase, 'channel.sqlite'),
    folder: join(dir, phase, 'folder'),
    state: join(dir, phase, 'state'),
  };
}

/** A phase's setup, before its clock starts: its own copy of the template, and an empty folder. */
function freshCopy(phase: string): void {
  const p = paths(phase);
  mkdirSync(p.folder, { recursive: true });
  copySynced(p.template, p.database);
}

function profileFor(p: ReturnType<typeof paths>): Profile {
  const upload = {
    maxRowsPerPackage: MAX_ROWS_PER_PACKAGE,
    retryBackoffSeconds: UPLOAD_RETRY_FIRST_SECONDS,
    retryBackoffMaxSeconds: UPLOAD_RETRY_MAX_SECONDS,
    tables: [{ name: 'sale_line', counterColumn: 'replication_counter' }],
  };
  const store = { name: 'bench', root: dirname(p.state), channelId: CHANNEL, database: p.database, folder: p.folder, upload };
  return { ...testStoreProfile(store), log: { level: 'warn' } };
}

const phases: Record<string, BenchPhase> = {
  baseline: {
    setup: () => freshCopy('baseline'),
    work: async () => {
      const p = paths('baseline');
      const out = join(p.folder, 'baseline.json.gz');
      const { result: rows, tally } = await PosProcess.during(p.database, POS_SALES_PER_SECOND, async () => {
        const db = new Database(p.database, { readonly: true });
        const count = await writeGzipJsonLines(
          out,
          db
            .prepare('SELECT * FROM sale_line WHERE replication_counter > ? ORDER BY replication_counter')
            .raw(true)
            .iterate(0) as IterableIterator<unknown[]>,
        );
        db.close();
        return count;
      });
      return { rows, fileBytes: statSync(out).size, posLongestWaitMs: tally.longestWaitMs };
    },
  },
  cycle: {
    setup: () => freshCopy('cycle'),
    work: async () => {
      const p = paths('cycle');
      const channelDatabase = await openSqliteChannelDatabase(p.database, { channelId: CHANNEL });
      await channelDatabase.migrate();
      const profile = profileFor(p);
      const cycle = createUploadCycle({
        channelDatabase,
        workingFolder: new LocalWorkingFolder(p.folder),
        profile: () => profile,
        log: createLogger('warn'),
        registry: new Registry(),
        clock: systemClock,
      });
      const { tally } = await PosProcess.during(p.database, POS_SALES_PER_SECOND, async () => {
        const report = await cycle.run(new AbortController().signal);
        if (report.outcome !== 'done') throw new Error(`the upload cycle did not publish: ${report.summary}`);
      });
      const sessions = await channelDatabase.uploads.list({ limit: 1_000_000 });
      await channelDatabase.close();
      const area = join(p.folder, channelFolders(CHANNEL).upload);
      const fileBytes = readdirSync(area).reduce((sum, name) => sum + statSync(join(area, name)).size, 0);
      return {
        rows: sessions.reduce((sum, s) => sum + s.rows, 0),
        packages: sessions.length,
        fileBytes,
        posLongestWaitMs: tally.longestWaitMs,
      };
    },
  },
};

async function runParent(scratch: string): Promise<void> {
  prepareTemplate(join(scratch, 'template.sqlite'));
  const results = runPhasesMedian(import.meta.url, ['baseline', 'cycle'], REPEAT);
  const baseline = results.get('baseline') as PhaseResult;
  const cycle = results.get('cycle') as PhaseResult;
  const rate = (r: PhaseResult): number => Number(r.rows) / r.seconds;
  const line = (label: string, r: PhaseResult): string[] => [
    label,
    formatCount(Number(r.rows)),
    formatCount(rate(r)),
    `${(rate(r) / rate(baseline)).toFixed(2)}x`,
    `${r.peakRssMb.toFixed(0)} MB`,
    `${(Number(r.fileBytes) / 2 ** 20).toFixed(1)} MB`,
    `${Number(r.posLongestWaitMs).toFixed(1)} ms`,
  ];
  console.log(
    `upload: ${formatCount(ROWS)} new rows of a 12-column sale_line table, packages of ${formatCount(MAX_ROWS_PER_PACKAGE)} rows; a POS till sells ${POS_SALES_PER_SECOND}/s throughout (node ${process.version}; median of ${REPEAT} runs per phase, interleaved, each in its own process on a fresh copy of the database)\n`,
  );
  console.log(
    markdownTable(
      ['operation', 'rows', 'rows/s', 'ratio', 'peak RSS', 'output', 'POS longest wait'],
      [
        line('baseline: iterate() + gzip JSON arrays, one file, no journal, no checksum', baseline),
        line(`upload cycle (${cycle.packages} packages)`, cycle),
      ],
    ),
  );
}

await runBenchmark('upload', phases, runParent);
