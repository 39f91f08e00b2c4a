/**
 * Package write and read+verify against a baseline measured in the same run: the same rows as
 * newline-delimited JSON arrays through node:zlib gzip/gunzip, with no checks at all.
 * Every phase runs in its own process (bench/support/phases.ts) for a clean peak RSS.
 */
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import {
  createPackageWriter,
  readPackageBatches,
  Decimal,
  type PackageManifestInput,
  type PackageRow,
  type TableSpec,
} from '../src/package/index.js';
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

const ROWS = Number(process.env.BENCH_PACKAGE_ROWS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
/** The package writer's gzip level; unset, the writer's default (3). */
const LEVEL = process.env.BENCH_PACKAGE_LEVEL === undefined ? undefined : Number(process.env.BENCH_PACKAGE_LEVEL);

const product: TableSpec = {
  name: 'Product',
  columns: [
    { name: 'productId', type: 'string', nullable: false },
    { name: 'name', type: 'string', nullable: false },
    { name: 'category', type: 'string', nullable: false },
    { name: 'barcode', type: 'string', nullable: true },
    { name: 'price', type: 'decimal', nullable: false },
    { name: 'stock', type: 'integer', nullable: false },
    { name: 'active', type: 'boolean', nullable: false },
    { name: 'updatedAt', type: 'timestamp', nullable: false },
  ],
  primaryKey: ['productId'],
  upsertCount: ROWS,
  deleteCount: 0,
};

const CATEGORIES = ['Beverages', 'Bakery', 'Dairy', 'Produce', 'Frozen', 'Household', 'Snacks', 'Personal care'];
const WORDS = ['Organic', 'Classic', 'Family size', 'Light', 'Sparkling', 'Whole grain', 'Premium', 'Value pack', 'Fresh', 'Smoked'];

/** A realistic product row, the same for a given index in every phase. */
function productRow(i: number): PackageRow {
  const cents = 99 + ((i * 7919) % 250_000);
  return {
    op: 'upsert',
    values: [
      `P${String(i).padStart(8, '0')}`,
      `${WORDS[i % WORDS.length]} ${WORDS[(i >> 3) % WORDS.length]} item ${i}`,
      CATEGORIES[i % CATEGORIES.length] as string,
      i % 10 === 0 ? null : String(4_000_000_000_000 + i * 13),
      new Decimal(`${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`),
      (i * 31) % 5000,
      i % 17 !== 0,
      new Date(1_767_225_600_000 + i * 60_000),
    ],
  };
}

function* productRows(): Generator<PackageRow> {
  for (let i = 0; i < ROWS; i++) yield productRow(i);
}

const manifest: PackageManifestInput = {
  direction: 'download',
  channelId: 'bench',
  sequence: 1,
  job: { id: 'N-1000', name: 'Products' },
  dataGroup: 'default',
  kind: 'full',
  createdAt: '2026-01-01T00:00:00.000Z',
  producer: 'bench/package.bench.ts',
  tables: [product],
};

function paths(): { baseline: string; package: string } {
  const dir = scratchDirectory();
  return { baseline: join(dir, 'baseline.ndjson.gz'), package: join(dir, 'bench_download_000000000001.acpkg') };
}

const phases: Record<string, BenchPhase> = {
  async 'baseline-write'() {
    const rows = await writeGzipJsonLines(paths().baseline, productRows(), (row) => (row as { values: unknown }).values);
    return { rows, fileBytes: statSync(paths().baseline).size };
  },
  async 'package-write'() {
    const writer = createPackageWriter(
      manifest,
      createWriteStream(paths().package),
      LEVEL === undefined ? {} : { compressionLevel: LEVEL },
    );
    await writer.writeRows('Product', productRows());
    const written = await writer.end();
    return { rows: ROWS, fileBytes: written.fileBytes };
  },
  async 'baseline-read'() {
    const decoder = new StringDecoder('utf8');
    let carry = '';
    let rows = 0;
    await pipeline(createReadStream(paths().baseline), createGunzip(), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        const text = carry + decoder.write(chunk);
        let start = 0;
        for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
          if ((JSON.parse(text.slice(start, end)) as unknown[]).length > 0) rows++;
          start = end + 1;
        }
        carry = text.slice(start);
      }
    });
    return { rows, fileBytes: statSync(paths().baseline).size };
  },
  async 'package-read'() {
    let rows = 0;
    const scan = readPackageBatches(paths().package);
    for (;;) {
      const next = await scan.next();
      if (next.done === true) return { rows, fileBytes: next.value.fileBytes };
      rows += next.value.rows.length;
    }
  },
};

async function runParent(): Promise<void> {
  const results = new Map([
    ...runPhasesMedian(import.meta.url, ['baseline-write', 'package-write'], REPEAT),
    ...runPhasesMedian(import.meta.url, ['baseline-read', 'package-read'], REPEAT),
  ]);
  const rate = (phase: string): number => ROWS / (results.get(phase) as PhaseResult).seconds;
  const line = (label: string, phase: string, baseline: string): string[] => {
    const result = results.get(phase) as PhaseResult;
    return [
      label,
      formatCount(rate(phase)),
      formatCount(rate(baseline)),
      `${(rate(phase) / rate(baseline)).toFixed(2)}x`,
      `${result.peakRssMb.toFixed(0)} MB`,
      `${(Number(result.fileBytes) / 2 ** 20).toFixed(1)} MB`,
    ];
  };
  console.log(
    `package: ${formatCount(ROWS)} rows of an 8-column product table (node ${process.version}; median of ${REPEAT} runs per phase, each in its own process)\n`,
  );
  console.log(
    markdownTable(
      ['operation', 'rows/s', 'baseline rows/s (gzip NDJSON, no checks)', 'ratio', 'peak RSS', 'file size'],
      [line('write package', 'package-write', 'baseline-write'), line('read + verify package', 'package-read', 'baseline-read')],
    ),
  );
  const baselineRss = (phase: string): string => `${(results.get(phase) as PhaseResult).peakRssMb.toFixed(0)} MB`;
  console.log(
    `\nwrite: package gzip level ${LEVEL ?? 3} with every row checked; baseline: JSON.stringify of the same rows, gzip default level 6.`,
  );
  console.log(
    'read + verify: one streaming pass with every check (digest, rows, counts, duplicate keys; rows in key order); baseline: gunzip + JSON.parse per line.',
  );
  console.log(
    `baseline peak RSS: write ${baselineRss('baseline-write')}, read ${baselineRss('baseline-read')}; baseline file ${(Number(results.get('baseline-read')?.fileBytes) / 2 ** 20).toFixed(1)} MB`,
  );
}

await runBenchmark('package', phases, runParent);
