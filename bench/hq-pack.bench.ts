/**
 * HQ's packing (issue 9): `package pack` of a 1,000,000-row catalog from CSV and from JSON Lines
 * through the built CLI's own code, against a baseline measured in the same run: the same file
 * read with csv-parse (no per-field callbacks) or split into JSON lines, each row's values
 * converted by column type in one tight loop, written as gzip JSON lines (no checks). Then
 * `package fanout` of the same catalog to BENCH_FANOUT_CHANNELS (200) stores, against 200 times
 * one pack and against the time to write the same bytes through the same working-folder adapter.
 * Each phase runs in its own process for a clean peak RSS.
 */
import { createReadStream, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse';
import { main } from '../src/cli/dispatch.js';
import { LocalWorkingFolder } from '../src/workfolder/local.js';
import { CATALOG_COLUMNS, catalogSpec, writeCatalogFiles } from './support/catalog-files.js';
import { writeGzipJsonLines } from './support/gzip-json-lines.js';
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

const ROWS = Number(process.env.BENCH_PACK_ROWS ?? 1_000_000);
const CHANNELS = Number(process.env.BENCH_FANOUT_CHANNELS ?? 200);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);

const paths = () => {
  const dir = scratchDirectory();
  return {
    csv: join(dir, 'catalog.csv'),
    jsonl: join(dir, 'catalog.jsonl'),
    csvSpec: join(dir, 'catalog-csv.yaml'),
    jsonlSpec: join(dir, 'catalog-jsonl.yaml'),
    baseline: join(dir, 'baseline.ndjson.gz'),
    package: join(dir, 'bench_download_000000000001.acpkg'),
    stores: join(dir, 'stores'),
    plan: join(dir, 'plan.csv'),
  };
};

const channels = (): string[] => Array.from({ length: CHANNELS }, (_, i) => `store-${String(i + 1).padStart(4, '0')}`);

/** Runs the CLI in this process, its output thrown away; fails the phase on a non-zero exit. */
async function cli(args: readonly string[]): Promise<void> {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const stderr: string[] = [];
  const errors = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      stderr.push(chunk.toString());
      done();
    },
  });
  const code = await main(args, { stdout: sink, stderr: errors, env: process.env, cwd: scratchDirectory() });
  if (code !== 0) throw new Error(`async-client ${args.join(' ')} exited ${code}: ${stderr.join('')}`);
}

/** The baseline's conversion: each value by its column's type, nothing checked. */
const CONVERT: Record<string, (text: string) => unknown> = {
  string: (text) => text,
  decimal: (text) => text,
  integer: (text) => Number(text),
  boolean: (text) => text === 'true' || text === '1',
  timestamp: (text) => Number(text),
};
const converters = CATALOG_COLUMNS.map((column) => CONVERT[column.type] as (text: string) => unknown);

async function* baselineCsvRows(): AsyncGenerator<unknown[]> {
  let header = true;
  for await (const record of createReadStream(paths().csv).pipe(parse({ bom: true })) as AsyncIterable<string[]>) {
    if (header) {
      header = false;
      continue;
    }
    const values = new Array<unknown>(converters.length);
    for (let i = 0; i < converters.length; i++) {
      const text = record[i] as string;
      values[i] = text === '' ? null : (converters[i] as (text: string) => unknown)(text);
    }
    yield values;
  }
}

async function* baselineJsonlRows(): AsyncGenerator<unknown[]> {
  const names = CATALOG_COLUMNS.map((column) => column.name);
  let carry = '';
  for await (const chunk of createReadStream(paths().jsonl, { encoding: 'utf8' })) {
    const text = carry + (chunk as string);
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      const object = JSON.parse(text.slice(start, end)) as Record<string, unknown>;
      start = end + 1;
      const values = new Array<unknown>(names.length);
      for (let i = 0; i < names.length; i++) values[i] = object[names[i] as string];
      yield values;
    }
    carry = text.slice(start);
  }
}

function resetStores(): void {
  const { stores, plan } = paths();
  rmSync(stores, { recursive: true, force: true });
  rmSync(plan, { force: true });
  for (const channel of channels()) mkdirSync(join(stores, channel, 'download'), { recursive: true });
}

const phases: Record<string, BenchPhase> = {
  async 'baseline-csv'() {
    return { rows: await writeGzipJsonLines(paths().baseline, baselineCsvRows()) };
  },
  async 'baseline-jsonl'() {
    return { rows: await writeGzipJsonLines(paths().baseline, baselineJsonlRows()) };
  },
  async 'pack-csv'() {
    await cli(['package', 'pack', '--manifest', paths().csvSpec, '--out', paths().package]);
    return { rows: ROWS, fileBytes: statSync(paths().package).size };
  },
  async 'pack-jsonl'() {
    await cli(['package', 'pack', '--manifest', paths().jsonlSpec, '--out', paths().package]);
    return { rows: ROWS, fileBytes: statSync(paths().package).size };
  },
  fanout: {
    setup: resetStores,
    async work() {
      const { csvSpec, plan, stores } = paths();
      await cli([
        'package',
        'fanout',
        '--manifest',
        csvSpec,
        '--channels',
        channels().join(','),
        '--sequences',
        plan,
        '--working-folder',
        stores,
      ]);
      const written = channels().reduce((sum, channel) => sum + readdirSync(join(stores, channel, 'download')).length, 0);
      return { packages: written };
    },
  },
  'write-bytes': {
    setup: resetStores,
    async work() {
      const { stores, package: file } = paths();
      const folder = new LocalWorkingFolder(stores);
      for (const channel of channels()) {
        await folder.writeAtomic(`${channel}/download/${channel}_download_000000000001.acpkg`, createReadStream(file));
      }
      return { bytes: CHANNELS * statSync(file).size };
    },
  },
};

async function runParent(): Promise<void> {
  const p = paths();
  await writeCatalogFiles(p.csv, p.jsonl, ROWS);
  writeFileSync(p.csvSpec, catalogSpec(p.csv));
  writeFileSync(p.jsonlSpec, catalogSpec(p.jsonl));
  const inputMb = (file: string): string => `${(statSync(file).size / 2 ** 20).toFixed(0)} MB`;
  const results = new Map([
    ...runPhasesMedian(import.meta.url, ['baseline-csv', 'pack-csv'], REPEAT),
    ...runPhasesMedian(import.meta.url, ['baseline-jsonl', 'pack-jsonl'], REPEAT),
  ]);
  const result = (phase: string): PhaseResult => results.get(phase) as PhaseResult;
  const rate = (phase: string): number => ROWS / result(phase).seconds;
  const line = (label: string, phase: string, baseline: string): string[] => [
    label,
    formatCount(rate(phase)),
    formatCount(rate(baseline)),
    `${(rate(phase) / rate(baseline)).toFixed(2)}x`,
    `${result(phase).peakRssMb.toFixed(0)} MB`,
    `${result(baseline).peakRssMb.toFixed(0)} MB`,
  ];
  console.log(`hq-pack: ${formatCount(ROWS)} catalog rows, 8 columns (node ${process.version}; median of ${REPEAT} runs per phase)\n`);
  console.log(
    markdownTable(
      ['package pack', 'rows/s', 'baseline rows/s', 'ratio', 'peak RSS', 'baseline peak RSS'],
      [
        line(`from CSV (${inputMb(p.csv)})`, 'pack-csv', 'baseline-csv'),
        line(`from JSON Lines (${inputMb(p.jsonl)})`, 'pack-jsonl', 'baseline-jsonl'),
      ],
    ),
  );
  console.log('\nbaseline: csv-parse without callbacks / a JSON Lines split, values converted by column type, gzip JSON lines, no checks.');

  const pack = result('pack-csv');
  const fanout = runPhase(import.meta.url, 'fanout');
  const write = runPhase(import.meta.url, 'write-bytes');
  rmSync(p.stores, { recursive: true, force: true });
  const budget = 2 * pack.seconds + write.seconds;
  console.log(
    `\nfan-out of the CSV catalog to ${CHANNELS} stores (${fanout.packages} packages of ${(Number(pack.fileBytes) / 2 ** 20).toFixed(1)} MB)\n`,
  );
  console.log(
    markdownTable(
      ['measure', 'seconds', 'peak RSS'],
      [
        [`package fanout, ${CHANNELS} stores`, fanout.seconds.toFixed(1), `${fanout.peakRssMb.toFixed(0)} MB`],
        [`${CHANNELS} x one package pack (from the same run)`, (CHANNELS * pack.seconds).toFixed(1), ''],
        [`writing the same bytes through the same adapter (atomic copies)`, write.seconds.toFixed(1), `${write.peakRssMb.toFixed(0)} MB`],
        ['target: 2 x one pack + writing the bytes', budget.toFixed(1), ''],
      ],
    ),
  );
  console.log(
    `\nratio to ${CHANNELS} x one pack: ${(fanout.seconds / (CHANNELS * pack.seconds)).toFixed(3)}x; to the target: ${(fanout.seconds / budget).toFixed(2)}x (at most 1.00x)`,
  );
}

await runBenchmark('hq-pack', phases, runParent);
