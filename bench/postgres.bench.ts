/**
 * The PostgreSQL channel database against PostgreSQL's own bulk paths, in the same run, on a
 * throwaway cluster (bench/support/postgres-cluster.ts, durability on):
 *
 * - full apply: a package of ROWS products applied with `full` over a table holding ROWS rows
 *   (the service user owns it, so it is swapped: COPY into a new table, its key built after the
 *   load, the old table dropped and the new one renamed, the Applied record), against
 *   `psql \copy` of the same rows (as COPY text) into the same table, emptied first;
 * - incremental apply: ROWS upserts (half of them new keys) over the same table (COPY into a
 *   stage, INSERT ... ON CONFLICT DO UPDATE), against the same `\copy`;
 * - upload: ROWS sale lines read in one snapshot and written as a package (plan, intent,
 *   COPY (SELECT ...) TO STDOUT parsed, package writer with checksums), against
 *   `psql -c "COPY (SELECT ...) TO STDOUT" | gzip` of the same rows.
 *
 * A POS till (bench/support/postgres-till.ts) inserts sales in a process of its own all
 * through both applies; its longest single insert is reported. Ratios are baseline / ours.
 * `BENCH_PG_PHASES` (a comma list of full, incremental, upload; default all) runs only some, as
 * when profiling the upload alone: `BENCH_PG_PHASES=upload node --cpu-prof dist/bench/postgres.bench.js`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { ChannelDatabase } from '../src/channel/channel-database.js';
import { openPostgresChannelDatabase } from '../src/channel/postgres-channel-database.js';
import { createPackageWriter, Decimal, openPackageForApply, type PackageRow, type TableSpec } from '../src/package/index.js';
import { writeUploadPackage } from '../src/upload/upload-package.js';
import { freePort } from './support/dav-servers.js';
import { formatCount, markdownTable } from './support/phases.js';
import { startPostgresCluster, stopPostgresCluster } from './support/postgres-cluster.js';

const ROWS = Number(process.env.BENCH_PG_ROWS ?? 1_000_000);
const PHASES = new Set((process.env.BENCH_PG_PHASES ?? 'full,incremental,upload').split(','));
const HERE = dirname(fileURLToPath(import.meta.url));
const PRODUCT: TableSpec = {
  name: 'product',
  columns: [
    { name: 'id', type: 'integer', nullable: false },
    { name: 'name', type: 'string', nullable: false },
    { name: 'price', type: 'decimal', nullable: false },
    { name: 'updated_at', type: 'timestamp', nullable: false },
  ],
  primaryKey: ['id'],
  upsertCount: ROWS,
  deleteCount: 0,
};

function productValues(id: number): [number, string, Decimal, Date] {
  const price = new Decimal(`${id % 1000}.${String(id % 100).padStart(2, '0')}`);
  return [id, `Product ${id} with a name of some length`, price, new Date(1_700_000_000_000 + id * 1000)];
}

function productRow(id: number): PackageRow {
  return { op: 'upsert', values: productValues(id) };
}

async function writePackage(file: string, sequence: number, kind: 'full' | 'incremental', firstId: number): Promise<void> {
  const out = createWriteStream(file);
  const writer = createPackageWriter(
    {
      direction: 'download',
      channelId: 'bench',
      sequence,
      job: { id: 'N-1', name: 'Products' },
      dataGroup: 'default',
      kind,
      createdAt: '2026-12-01T00:00:00.000Z',
      producer: 'bench',
      tables: [PRODUCT],
    },
    out,
  );
  for (let start = 0; start < ROWS; start += 1000) {
    await writer.writeRows(
      'product',
      Array.from({ length: Math.min(1000, ROWS - start) }, (_, i) => productRow(firstId + start + i)),
    );
  }
  await writer.end();
  await finished(out);
}

/** The same rows as COPY text, for `\copy`. */
async function writeCopyText(file: string, firstId: number): Promise<void> {
  const out = createWriteStream(file);
  for (let id = firstId; id < firstId + ROWS; id += 1) {
    const [, name, price, at] = productValues(id);
    if (!out.write(`${id}\t${name}\t${price.text}\t${at.toISOString()}\n`)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
}

function seconds(work: () => void): number {
  const started = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function secondsOf(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const PSQL = join(
  dirname(spawnSync('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1'], { encoding: 'utf8' }).stdout.trim()),
  'bin',
  'psql',
);

function psql(url: string, ...args: string[]): void {
  const result = spawnSync(PSQL, [url, '-v', 'ON_ERROR_STOP=1', '-q', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
}

/** Runs `work` while a till sells in its own process; returns the work's seconds and the till's longest wait. */
async function withTill(url: string, work: () => Promise<unknown>): Promise<{ seconds: number; longestWaitMs: number; sales: number }> {
  const till = spawn(process.execPath, [join(HERE, 'support', 'postgres-till.js'), url], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: till.stdout })[Symbol.asyncIterator]();
  if ((await lines.next()).value !== 'writing') throw new Error('the till did not start');
  const taken = await secondsOf(work);
  till.stdin.end('stop\n');
  const report = JSON.parse(String((await lines.next()).value)) as { written: number; longestWaitMs: number };
  return { seconds: taken, longestWaitMs: report.longestWaitMs, sales: report.written };
}

async function apply(db: ChannelDatabase, file: string, sequence: number): Promise<void> {
  const session = await db.downloads.record({
    sequence,
    jobId: 'N-1',
    fileName: `bench-${sequence}.pkg`,
    size: statSync(file).size,
    checksum: String(sequence).padStart(64, '0'),
  });
  const opened = await openPackageForApply(file);
  await db.applyPackage(opened.manifest, opened.batches(), { sessionId: session.id, allowCreateTables: false });
}

type Row = readonly string[];
const ratio = (baseline: number, ours: number): string => `${(baseline / ours).toFixed(2)}x`;

/** The full and the incremental apply, each against `\copy` of the same rows, a till selling throughout. */
async function applyPhases(url: string, db: ChannelDatabase, admin: pg.Client, scratch: string): Promise<Row[]> {
  await admin.query(
    'CREATE TABLE product (id bigint PRIMARY KEY, name text NOT NULL, price numeric(12,2) NOT NULL, updated_at timestamptz NOT NULL)',
  );
  const files = {
    full: join(scratch, 'full.pkg'),
    incremental: join(scratch, 'incremental.pkg'),
    fullText: join(scratch, 'full.tsv'),
    incrementalText: join(scratch, 'incremental.tsv'),
  };
  await writePackage(files.full, 1, 'full', 1);
  await writePackage(files.incremental, 2, 'incremental', ROWS / 2 + 1);
  await writeCopyText(files.fullText, 1);
  await writeCopyText(files.incrementalText, ROWS / 2 + 1);
  const copyInto = (text: string): number => {
    psql(url, '-c', 'TRUNCATE product');
    return seconds(() => psql(url, '-c', `\\copy product FROM '${text}'`));
  };
  const rows: Row[] = [];
  if (PHASES.has('full')) {
    const baseline = copyInto(files.fullText);
    const full = await withTill(url, () => apply(db, files.full, 1));
    await admin.query('VACUUM ANALYZE product');
    rows.push([
      `full apply, ${formatCount(ROWS)} rows over ${formatCount(ROWS)}`,
      `${full.seconds.toFixed(2)} s`,
      `${baseline.toFixed(2)} s (psql \\copy into the emptied table)`,
      ratio(baseline, full.seconds),
      '>= 0.7x',
      `${full.longestWaitMs.toFixed(1)} ms (${formatCount(full.sales)} sales)`,
    ]);
  }
  if (PHASES.has('incremental')) {
    const baseline = copyInto(files.incrementalText);
    psql(url, '-c', 'TRUNCATE product', '-c', `\\copy product FROM '${files.fullText}'`, '-c', 'VACUUM ANALYZE product');
    const incremental = await withTill(url, () => apply(db, files.incremental, 2));
    rows.push([
      `incremental apply, ${formatCount(ROWS)} upserts (half new)`,
      `${incremental.seconds.toFixed(2)} s`,
      `${baseline.toFixed(2)} s (psql \\copy into the emptied table)`,
      ratio(baseline, incremental.seconds),
      '>= 0.7x',
      `${incremental.longestWaitMs.toFixed(1)} ms (${formatCount(incremental.sales)} sales)`,
    ]);
  }
  return rows;
}

/** ROWS sale lines uploaded as one package, against `COPY (SELECT ...) TO STDOUT | gzip` of the same rows. */
async function uploadPhase(url: string, db: ChannelDatabase, admin: pg.Client, scratch: string): Promise<Row> {
  await admin.query(`CREATE TABLE sale_line (id bigint PRIMARY KEY, sale_id bigint NOT NULL, item text NOT NULL, quantity numeric(10,3) NOT NULL,
    amount numeric(12,2) NOT NULL, sold_at timestamptz NOT NULL, counter bigint NOT NULL)`);
  await admin.query(`INSERT INTO sale_line SELECT g, g / 4, 'Item ' || (g % 500), (g % 7) + 0.5, (g % 1000) / 100.0, timestamptz '2026-12-01' + g * interval '1 second', g
    FROM generate_series(1, ${ROWS}) g`);
  await admin.query('CREATE INDEX ON sale_line (counter)');
  await admin.query('VACUUM ANALYZE sale_line');
  const baselineFile = join(scratch, 'baseline.gz');
  const baseline = seconds(() => {
    const result = spawnSync(
      'sh',
      [
        '-c',
        `"$PSQL" "$URL" -c 'COPY (SELECT id, sale_id, item, quantity, amount, sold_at, counter FROM sale_line WHERE counter > 0 ORDER BY counter) TO STDOUT' | gzip > "$OUT"`,
      ],
      { env: { ...process.env, PSQL, URL: url, OUT: baselineFile } },
    );
    if (result.status !== 0) throw new Error(`COPY | gzip failed: ${result.stderr}`);
  });
  const tables = [{ table: 'sale_line', counterColumn: 'counter' }];
  let bytes = 0;
  const upload = await secondsOf(async () => {
    const plan = await db.uploads.snapshot((s) => s.plan(tables, ROWS));
    const session = await db.uploads.recordIntent(plan.ranges);
    bytes = (await writeUploadPackage(db.uploads, session, tables, join(scratch, 'upload.pkg'))).size;
  });
  return [
    `upload, ${formatCount(ROWS)} rows`,
    `${upload.toFixed(2)} s (${formatCount(bytes / 1024)} KiB)`,
    `${baseline.toFixed(2)} s (COPY (SELECT ...) TO STDOUT | gzip, ${formatCount(statSync(baselineFile).size / 1024)} KiB)`,
    ratio(baseline, upload),
    '>= 0.7x',
    '',
  ];
}

const scratch = mkdtempSync(join(tmpdir(), 'bench-postgres-'));
const cluster = await startPostgresCluster(await freePort(), {
  fsync: 'on',
  full_page_writes: 'on',
  max_wal_size: '4GB',
  shared_buffers: '256MB',
});
try {
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  const db = await openPostgresChannelDatabase({ url: cluster.url, password: cluster.password }, { channelId: 'bench' });
  await db.migrate();
  const rows = PHASES.has('full') || PHASES.has('incremental') ? await applyPhases(cluster.url, db, admin, scratch) : [];
  if (PHASES.has('upload')) rows.push(await uploadPhase(cluster.url, db, admin, scratch));
  await db.close();
  await admin.end();
  process.stdout.write(
    `${markdownTable(['measure', 'async-client', 'baseline', 'ratio (baseline / ours)', 'target', 'POS longest insert'], rows)}\n`,
  );
} finally {
  await stopPostgresCluster(cluster);
  rmSync(scratch, { recursive: true, force: true });
}
