/**
 * The download cycle against baselines measured in the same run (issues 4 and 10):
 * 1. a 1,000,000-row incremental package applied to a 1,000,000-row table through the whole
 *    path (stage, verify, apply, journal, report), against the same rows upserted from memory
 *    with one prepared better-sqlite3 statement in one transaction;
 *    a 1,000,000-row full package into the same table, against the sqlite3 shell's `.import` of
 *    the same rows as CSV into an empty table with the same primary key (the Debian `sqlite3`
 *    package is installed when the shell is missing); and a full and an incremental package five
 *    times larger, whose peak RSS must stay that of the smaller ones;
 * 2. a backlog of 10,000 small packages in one cycle: packages/s, and the time per package of
 *    the first and the last thousand (listing must not make it grow);
 * 3. the longest wait of a POS till (the example simulator, examples/pos/) selling every 5 ms
 *    during the large applies, full and incremental.
 * Every measured phase runs in its own process (bench/support/phases.ts) for a clean peak RSS,
 * started as the daemon is (src/daemon/node-start.ts), baselines included.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { toSqlite } from '../src/channel/sqlite-values.js';
import { DAEMON_ENVIRONMENT, DAEMON_NODE_FLAGS } from '../src/daemon/node-start.js';
import { runCycle } from './support/download-cycle-runner.js';
import {
  BACKLOG,
  CREATE_PRODUCT,
  freshDatabase,
  packageRows,
  paths,
  prepareFixture,
  restoreFolder,
  ROWS,
  UPSERT,
} from './support/download-fixture.js';
import { printDownloadReport } from './support/download-report.js';
import { type NodeStart, runBenchmark, runPhase, runPhasesMedian, type BenchPhase, type PhaseResult } from './support/phases.js';
import { PosProcess } from './support/pos-process.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const AS_THE_DAEMON: NodeStart = { flags: DAEMON_NODE_FLAGS, environment: DAEMON_ENVIRONMENT };
/** The till sells every 5 ms, as fast as a busy store's tills together. */
const POS_SALES_PER_SECOND = 200;

type PackageFolder = 'largeFolder' | 'fullFolder' | 'largerFolder' | 'largerIncrementalFolder';

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
      await prepareFixture();
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

  'cycle-large-larger': applyPhase('largerIncrementalFolder'),

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
    results.set(phase, runPhase(import.meta.url, phase, AS_THE_DAEMON));
  };
  // Each rate beside its baseline: interleaved, median of REPEAT, so that a busy machine slows both alike.
  const paired = [
    ['baseline-upsert', 'cycle-large'],
    ['baseline-import', 'cycle-full'],
  ];
  measure('prepare');
  for (const pair of paired) {
    process.stderr.write(`phases ${pair.join(', ')} (median of ${REPEAT})...\n`);
    for (const [phase, measured] of runPhasesMedian(import.meta.url, pair, REPEAT, AS_THE_DAEMON)) results.set(phase, measured);
  }
  for (const phase of Object.keys(phases)) if (!results.has(phase)) measure(phase);
  printDownloadReport((phase) => results.get(phase) as PhaseResult, REPEAT);
}

await runBenchmark('download', phases, runParent);
