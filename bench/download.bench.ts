/**
 * The download cycle against baselines measured in the same run (issues 4 and 10):
 * 1. a 1,000,000-row incremental package applied to a 1,000,000-row table through the whole
 *    path (stage, verify, apply, journal, report), against the same rows upserted from memory
 *    with one prepared better-sqlite3 statement in one transaction;
 *    a 1,000,000-row full package into the same table, against the sqlite3 shell's `.import` of
 *    the same rows as CSV into an empty table with the same primary key (the Debian `sqlite3`
 *    package is installed when the shell is missing); and a full package five times larger, whose
 *    peak RSS must stay that of the smaller one;
 * 2. a backlog of 10,000 small packages in one cycle: packages/s, and the time per package of
 *    the first and the last thousand (listing must not make it grow);
 * 3. the longest wait of a POS till (the example simulator, examples/pos/) selling every 5 ms
 *    during the large applies, full and incremental.
 * Every measured phase runs in its own process (bench/support/phases.ts) for a clean peak RSS.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Registry } from 'prom-client';
import { openSqliteChannelDatabase } from '../src/channel/sqlite-channel-database.js';
import { toSqlite } from '../src/channel/sqlite-values.js';
import { createDownloadCycle } from '../src/download/download-cycle.js';
import { createLogger } from '../src/observe/logger.js';
import { createPackageWriter, Decimal, packageFileName, type PackageRow, type TableSpec } from '../src/package/index.js';
import type { Profile } from '../src/profile/profile.js';
import { systemClock } from '../src/schedule/clock.js';
import { channelFolders } from '../src/workfolder/layout.js';
import { LocalWorkingFolder } from '../src/workfolder/local.js';
import {
  formatCount,
  markdownTable,
  runBenchmark,
  runPhase,
  runPhasesMedian,
  scratchDirectory,
  type BenchPhase,
  type PhaseResult,
} from './support/phases.js';
import { PosProcess } from './support/pos-process.js';
import { UPLOAD_RETRY_FIRST_SECONDS, UPLOAD_RETRY_MAX_SECONDS } from '../src/upload/retry-backoff.js';

const ROWS = Number(process.env.BENCH_DOWNLOAD_ROWS ?? 1_000_000);
const BACKLOG = Number(process.env.BENCH_DOWNLOAD_BACKLOG ?? 10_000);
/** A full package this many times larger shows whether memory grows with a package's size. */
const LARGER = Number(process.env.BENCH_DOWNLOAD_LARGER ?? 5);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const BACKLOG_ROWS = 10;
/** The till sells every 5 ms, as fast as a busy store's tills together. */
const POS_SALES_PER_SECOND = 200;
const CHANNEL = 'bench';
const FOLDERS = channelFolders(CHANNEL);

const COLUMNS: TableSpec['columns'] = [
  { name: 'id', type: 'integer', nullable: false },
  { name: 'name', type: 'string', nullable: false },
  { name: 'category', type: 'string', nullable: false },
  { name: 'price', type: 'decimal', nullable: false },
  { name: 'stock', type: 'integer', nullable: false },
  { name: 'active', type: 'boolean', nullable: false },
  { name: 'updated_at', type: 'timestamp', nullable: false },
];
const CREATE_PRODUCT =
  'CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, price TEXT NOT NULL, stock INTEGER NOT NULL, active INTEGER NOT NULL, updated_at TEXT NOT NULL)';
const UPSERT = `INSERT INTO product (id, name, category, price, stock, active, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET name = excluded.name, category = excluded.category, price = excluded.price,
  stock = excluded.stock, active = excluded.active, updated_at = excluded.updated_at`;
const CATEGORIES = ['Beverages', 'Bakery', 'Dairy', 'Produce', 'Frozen', 'Household', 'Snacks', 'Personal care'];

/** Version `v` of product `id`: the table holds v0 of ids 1..ROWS; the package brings v1 of ids ROWS/2+1..ROWS*3/2. */
function productValues(id: number, v: number): PackageRow & { op: 'upsert' } {
  const cents = 99 + ((id * 7919 + v) % 250_000);
  return {
    op: 'upsert',
    values: [
      id,
      `Product ${id} v${v}`,
      CATEGORIES[id % CATEGORIES.length] as string,
      new Decimal(`${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`),
      (id * 31 + v) % 5000,
      id % 17 !== 0,
      new Date(1_767_225_600_000 + id * 60_000 + v),
    ],
  };
}

function* packageRows(rows = ROWS): Generator<PackageRow & { op: 'upsert' }> {
  for (let id = ROWS / 2 + 1; id <= ROWS / 2 + rows; id += 1) yield productValues(id, 1);
}

function paths() {
  const dir = scratchDirectory();
  return {
    seedDatabase: join(dir, 'seed.sqlite'),
    database: join(dir, 'channel.sqlite'),
    largeFolder: join(dir, 'large-folder'),
    fullFolder: join(dir, 'full-folder'),
    largerFolder: join(dir, 'larger-folder'),
    csv: join(dir, 'rows.csv'),
    importDatabase: join(dir, 'import.sqlite'),
    backlogFolder: join(dir, 'backlog-folder'),
    state: join(dir, 'state'),
  };
}

function profileFor(folder: string): Profile {
  const { database, state } = paths();
  return {
    sourcePath: join(state, 'profile.yaml'),
    profile: { name: 'bench', downloadIntervalMinutes: 1, uploadIntervalMinutes: 1 },
    schedule: {},
    channel: { id: CHANNEL, database },
    workingFolder: { adapter: 'local', path: folder },
    stateDirectory: state,
    log: { level: 'info' },
    daemon: { shutdownGraceSeconds: 30, startJitterSeconds: 0, journalRetentionDays: 90 },
    download: {
      tryLimit: 3,
      retryBackoffSeconds: 60,
      gapReportMinutes: 60,
      allowCreateTables: false,
      pollSeconds: 60,
      watchPolling: false,
    },
    upload: {
      maxRowsPerPackage: 1000,
      retryBackoffSeconds: UPLOAD_RETRY_FIRST_SECONDS,
      retryBackoffMaxSeconds: UPLOAD_RETRY_MAX_SECONDS,
      tables: [],
    },
  };
}

async function writePackage(
  folder: string,
  sequence: number,
  rows: Iterable<PackageRow>,
  upsertCount: number,
  kind: 'full' | 'incremental' = 'incremental',
): Promise<void> {
  const manifest = {
    direction: 'download' as const,
    channelId: CHANNEL,
    sequence,
    job: { id: 'N-1000', name: 'Products' },
    dataGroup: 'default',
    kind,
    createdAt: '2026-01-01T00:00:00.000Z',
    producer: 'bench/download.bench.ts',
    tables: [{ name: 'product', columns: COLUMNS, primaryKey: ['id'], upsertCount, deleteCount: 0 }],
  };
  const writer = createPackageWriter(manifest, createWriteStream(join(folder, FOLDERS.download, packageFileName(manifest))));
  await writer.writeRows('product', rows);
  await writer.end();
}

/** A fresh copy of the 1,000,000-row table for each phase that changes it. */
function freshDatabase(): void {
  const { seedDatabase, database } = paths();
  rmSync(database, { force: true });
  rmSync(`${database}-wal`, { force: true });
  rmSync(`${database}-shm`, { force: true });
  copyFileSync(seedDatabase, database);
}

/** One download cycle over `folder`; returns the wall time of each `download.applied` line as it was logged. */
async function runCycle(folder: string): Promise<{ appliedAt: number[]; rows: number }> {
  const { database, state } = paths();
  const profile = profileFor(folder);
  const channelDatabase = await openSqliteChannelDatabase(database, { channelId: CHANNEL, minFreeBytes: 0 });
  await channelDatabase.migrate();
  const appliedAt: number[] = [];
  const log = createLogger('info', {
    write(line: string) {
      if (line.includes('"download.applied"')) appliedAt.push(performance.now());
    },
  });
  const cycle = createDownloadCycle({
    channelDatabase,
    workingFolder: new LocalWorkingFolder(folder),
    profile: () => profile,
    log,
    registry: new Registry(),
    clock: systemClock,
    stagingDirectory: join(state, 'staging'),
  });
  try {
    const report = await cycle.run(new AbortController().signal);
    if (report.outcome !== 'done') throw new Error(`the cycle did not apply everything: ${report.summary}`);
    return { appliedAt, rows: Number(report.fields?.rows) };
  } finally {
    await channelDatabase.close();
  }
}

/** The package's rows as the sqlite3 shell imports them: CSV, values as the channel database stores them. */
function writeCsv(file: string): void {
  const out: string[] = [];
  for (const row of packageRows()) {
    out.push(
      row.values
        .map(toSqlite)
        .map((value) => (typeof value === 'string' ? `"${value.replaceAll('"', '""')}"` : String(value)))
        .join(','),
    );
  }
  writeFileSync(file, `${out.join('\n')}\n`);
}

/** Puts an applied package back into the download area, as it was before the cycle ran. */
function restoreFolder(folder: string): void {
  const name = packageFileName({ channelId: CHANNEL, direction: 'download', sequence: 1 });
  renameSync(join(folder, FOLDERS.applied, name), join(folder, FOLDERS.download, name));
  rmSync(join(folder, FOLDERS.status), { recursive: true, force: true });
}

type PackageFolder = 'largeFolder' | 'fullFolder' | 'largerFolder';

/** Applies the package in `folder` to a fresh copy of the table, then puts the package back. */
function applyPhase(folder: PackageFolder): BenchPhase {
  return {
    setup: freshDatabase,
    work: async () => {
      const { rows } = await runCycle(paths()[folder]);
      restoreFolder(paths()[folder]);
      return { rows };
    },
  };
}

/** The same while the POS till sells throughout: its longest wait for the database. */
function applyWithTillPhase(folder: PackageFolder): BenchPhase {
  return {
    setup: freshDatabase,
    work: async () => {
      const { result: rows, tally } = await PosProcess.during(
        paths().database,
        POS_SALES_PER_SECOND,
        async () => (await runCycle(paths()[folder])).rows,
      );
      restoreFolder(paths()[folder]);
      return { rows, writerSales: tally.sales, writerLongestWaitMs: tally.longestWaitMs };
    },
  };
}

const phases: Record<string, BenchPhase> = {
  prepare: {
    work: async () => {
      const { seedDatabase, largeFolder, fullFolder, largerFolder, backlogFolder } = paths();
      const seed = new Database(seedDatabase);
      seed.pragma('journal_mode = WAL');
      seed.exec(CREATE_PRODUCT);
      const insert = seed.prepare(UPSERT);
      seed.transaction(() => {
        for (let id = 1; id <= ROWS; id += 1) insert.run(productValues(id, 0).values.map(toSqlite));
      })();
      seed.pragma('wal_checkpoint(TRUNCATE)');
      seed.close();
      mkdirSync(join(largeFolder, FOLDERS.download), { recursive: true });
      await writePackage(largeFolder, 1, packageRows(), ROWS);
      mkdirSync(join(fullFolder, FOLDERS.download), { recursive: true });
      await writePackage(fullFolder, 1, packageRows(), ROWS, 'full');
      mkdirSync(join(largerFolder, FOLDERS.download), { recursive: true });
      await writePackage(largerFolder, 1, packageRows(ROWS * LARGER), ROWS * LARGER, 'full');
      writeCsv(paths().csv);
      mkdirSync(join(backlogFolder, FOLDERS.download), { recursive: true });
      for (let sequence = 1; sequence <= BACKLOG; sequence += 1) {
        const first = (sequence - 1) * BACKLOG_ROWS + 1;
        const rows = Array.from({ length: BACKLOG_ROWS }, (_, i) => productValues(first + i, sequence));
        await writePackage(backlogFolder, sequence, rows, BACKLOG_ROWS);
      }
      return {};
    },
  },

  'baseline-upsert': {
    setup: freshDatabase,
    work: async () => {
      const db = new Database(paths().database);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      const upsert = db.prepare(UPSERT);
      let rows = 0;
      db.transaction(() => {
        for (const row of packageRows()) rows += upsert.run(row.values.map(toSqlite)).changes;
      })();
      db.close();
      return { rows };
    },
  },

  'baseline-import': {
    setup: () => rmSync(paths().importDatabase, { force: true }),
    work: async () => {
      const { importDatabase, csv } = paths();
      execFileSync('sqlite3', [importDatabase, CREATE_PRODUCT, '.mode csv', `.import ${csv} product`]);
      return { rows: ROWS };
    },
  },

  'cycle-full': applyPhase('fullFolder'),

  'cycle-full-with-writer': applyWithTillPhase('fullFolder'),

  'cycle-full-larger': applyPhase('largerFolder'),

  'cycle-large': applyPhase('largeFolder'),

  'cycle-large-with-writer': applyWithTillPhase('largeFolder'),

  'cycle-backlog': {
    setup: freshDatabase,
    work: async () => {
      const { appliedAt } = await runCycle(paths().backlogFolder);
      const perPackageMs = (from: number, to: number): number =>
        ((appliedAt[to - 1] as number) - (appliedAt[from - 1] as number)) / (to - from);
      const thousand = Math.min(1000, Math.floor(BACKLOG / 2));
      return {
        packages: appliedAt.length,
        firstThousandMs: perPackageMs(1, thousand + 1),
        lastThousandMs: perPackageMs(BACKLOG - thousand, BACKLOG),
      };
    },
  },
};

/** The baseline needs the sqlite3 shell: installed from Debian when missing, as .ci/run does. */
function ensureSqliteShell(): void {
  if (spawnSync('sqlite3', ['-version']).status === 0) return;
  process.stderr.write('installing the Debian sqlite3 package for the .import baseline...\n');
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'sqlite3'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

async function runParent(): Promise<void> {
  ensureSqliteShell();
  const results = new Map<string, PhaseResult>();
  const measure = (phase: string): void => {
    process.stderr.write(`phase ${phase}...\n`);
    results.set(phase, runPhase(import.meta.url, phase));
  };
  // Each rate beside its baseline: interleaved, median of REPEAT, so that a busy machine slows both alike.
  const paired = [
    ['baseline-upsert', 'cycle-large'],
    ['baseline-import', 'cycle-full'],
  ];
  measure('prepare');
  for (const pair of paired) {
    process.stderr.write(`phases ${pair.join(', ')} (median of ${REPEAT})...\n`);
    for (const [phase, measured] of runPhasesMedian(import.meta.url, pair, REPEAT)) results.set(phase, measured);
  }
  for (const phase of Object.keys(phases)) if (!results.has(phase)) measure(phase);
  const result = (phase: string): PhaseResult => results.get(phase) as PhaseResult;
  const rate = (phase: string): number => ROWS / result(phase).seconds;
  const rss = (phase: string): string => `${result(phase).peakRssMb.toFixed(0)} MB`;
  const backlog = result('cycle-backlog');
  const writer = result('cycle-large-with-writer');
  const fullWriter = result('cycle-full-with-writer');
  console.log(
    `download: ${formatCount(ROWS)}-row incremental and full packages onto a ${formatCount(ROWS)}-row table (rates: median of ${REPEAT}, interleaved with their baseline); ${formatCount(BACKLOG)} packages of ${BACKLOG_ROWS} rows (node ${process.version}, ${tmpdir()})\n`,
  );
  console.log(
    markdownTable(
      ['measure', 'result', 'baseline', 'ratio', 'peak RSS', 'target'],
      [
        [
          'large apply: rows/s (stage, verify, apply, journal, report)',
          formatCount(rate('cycle-large')),
          `${formatCount(rate('baseline-upsert'))} (prepared upsert from memory, one transaction)`,
          `${(rate('cycle-large') / rate('baseline-upsert')).toFixed(2)}x`,
          rss('cycle-large'),
          '≥ 0.8x, < 100 MB',
        ],
        [
          'full apply: rows/s (stage, verify, apply, journal, report)',
          formatCount(rate('cycle-full')),
          `${formatCount(rate('baseline-import'))} (sqlite3 shell .import of the rows as CSV, same primary key)`,
          `${(rate('cycle-full') / rate('baseline-import')).toFixed(2)}x`,
          rss('cycle-full'),
          '≥ 0.7x, < 100 MB',
        ],
        [
          `full apply of ${formatCount(ROWS * LARGER)} rows: peak RSS against ${formatCount(ROWS)}`,
          `${formatCount((ROWS * LARGER) / result('cycle-full-larger').seconds)} rows/s`,
          '',
          `${(result('cycle-full-larger').peakRssMb / result('cycle-full').peakRssMb).toFixed(2)}x RSS`,
          rss('cycle-full-larger'),
          'flat (within 10 %)',
        ],
        ['backlog: packages/s', formatCount(BACKLOG / backlog.seconds), '', '', rss('cycle-backlog'), '≥ 1,000'],
        [
          'backlog: ms per package, first / last thousand',
          `${Number(backlog.firstThousandMs).toFixed(2)} / ${Number(backlog.lastThousandMs).toFixed(2)}`,
          '',
          `${(Number(backlog.lastThousandMs) / Number(backlog.firstThousandMs)).toFixed(2)}x`,
          '',
          'not growing',
        ],
        [
          'POS longest wait during the incremental apply',
          `${Number(writer.writerLongestWaitMs).toFixed(0)} ms`,
          '',
          '',
          rss('cycle-large-with-writer'),
          'as low as the design allows',
        ],
        [
          'POS longest wait during the full apply',
          `${Number(fullWriter.writerLongestWaitMs).toFixed(0)} ms`,
          '',
          '',
          rss('cycle-full-with-writer'),
          '≤ 250 ms',
        ],
      ],
    ),
  );
  console.log(
    `\nbaseline peak RSS ${rss('baseline-upsert')} (upsert), ${rss('baseline-import')} (sqlite3 .import); the POS till made ${writer.writerSales} sales during the incremental apply, which took ${writer.seconds.toFixed(1)} s with it (${result('cycle-large').seconds.toFixed(1)} s without), and ${fullWriter.writerSales} during the full apply, ${fullWriter.seconds.toFixed(1)} s with it (${result('cycle-full').seconds.toFixed(1)} s without)`,
  );
}

await runBenchmark('download', phases, runParent);
