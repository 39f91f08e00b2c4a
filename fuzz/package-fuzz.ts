/**
 * Seeded fuzzing of the package reader: mutates valid packages (bit flips, truncation,
 * insertion, appended members, content edits reframed under a correct digest and signature)
 * and checks how the reader answers each one. Every refusal must be an E_PACKAGE_* error with a
 * one-line message; a file whose bytes changed must never pass its frame; a package that passes
 * must hold only Unicode text and exactly its declared rows. Run it with a heap cap
 * (`npm run fuzz` does) so that a reader holding what it should not crashes the run.
 *
 *   node dist/fuzz/package-fuzz.js [--count N] [--seed S] [--case I]
 *
 * Case I of seed S is the same mutation on every run: `--seed S --case I` replays a failure.
 * Prints one JSON summary line; exits 1 when any case failed.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { AsyncClientError, errorCode, errorMessage } from '../src/errors.js';
import { isWellFormedText } from '../src/package/json-text.js';
import {
  createPackageWriter,
  Decimal,
  readPackageBatches,
  type PackageManifestInput,
  type PackageRow,
  type TableSpec,
} from '../src/package/index.js';
import { productTable } from '../test/package/package-fixtures.js';
import { seededRandom } from '../test/support/seeded-random.js';
import { choicesFrom, mutate, type Mutation } from './package-mutations.js';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '20000' }, seed: { type: 'string' }, case: { type: 'string' } },
});
const seed = Number(values.seed ?? Date.now() % 2 ** 31);
const only = values.case === undefined ? undefined : Number(values.case);
const count = only === undefined ? Number(values.count) : 1;

const product: TableSpec = { ...productTable, upsertCount: 40, deleteCount: 3 };
const price: TableSpec = {
  name: 'Price',
  columns: [
    { name: 'productId', type: 'integer', nullable: false },
    { name: 'store', type: 'string', nullable: false },
    { name: 'amount', type: 'decimal', nullable: true },
  ],
  primaryKey: ['productId', 'store'],
  upsertCount: 30,
  deleteCount: 0,
};

function productRows(): PackageRow[] {
  const rows: PackageRow[] = Array.from({ length: 40 }, (_, i) => ({
    op: 'upsert',
    values: [
      `P${i}`,
      i % 7 === 0 ? 2n ** 60n + BigInt(i) : i - 20,
      new Decimal(`${i}.5`),
      i % 2 === 0,
      new Date(1_764_000_000_000 + i),
      i % 3 === 0 ? null : new Uint8Array([i, 255 - i]),
      i % 5 === 0 ? null : `é ${i} 😀`,
    ],
  }));
  return [...rows, ...[100, 101, 102].map((id): PackageRow => ({ op: 'delete', key: [`P${id}`] }))];
}

class Collect extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk);
    done();
  }
}

async function written(tables: readonly TableSpec[], rows: ReadonlyMap<string, PackageRow[]>, signingKey?: KeyObject): Promise<Buffer> {
  const manifest: PackageManifestInput = {
    direction: 'download',
    channelId: 'store042',
    sequence: 7,
    job: { id: 'N-1', name: 'Fuzz' },
    dataGroup: 'default',
    kind: 'incremental',
    createdAt: '2026-11-27T10:00:00.000Z',
    producer: 'fuzz',
    tables,
  };
  const sink = new Collect();
  const writer = createPackageWriter(manifest, sink, signingKey === undefined ? {} : { signingKey });
  for (const [table, tableRows] of rows) await writer.writeRows(table, tableRows);
  await writer.end();
  return Buffer.concat(sink.chunks);
}

interface Base {
  readonly bytes: Buffer;
  readonly signingKey?: KeyObject;
  readonly publicKey?: KeyObject;
}

async function bases(): Promise<Base[]> {
  const keys = generateKeyPairSync('ed25519');
  const prices = Array.from(
    { length: 30 },
    (_, i): PackageRow => ({ op: 'upsert', values: [i % 10, `S${i}`, i % 4 === 0 ? null : new Decimal(`${i}`)] }),
  );
  const both = new Map([
    ['Product', productRows()],
    ['Price', prices],
  ]);
  return [
    { bytes: await written([product], new Map([['Product', productRows()]])) },
    { bytes: await written([product, price], both) },
    { bytes: await written([product, price], both, keys.privateKey), signingKey: keys.privateKey, publicKey: keys.publicKey },
  ];
}

interface Answer {
  /** `accepted`, or the code of the refusal. */
  readonly outcome: string;
  /** What is wrong with the answer, if anything. */
  readonly problem?: string;
}

/** Reads one mutation through and judges the reader's answer. */
async function answerTo(base: Base, mutation: Mutation): Promise<Answer> {
  let strings = 0;
  const declared = new Map<string, number>();
  const read = new Map<string, number>();
  try {
    const scan = readPackageBatches(
      () => Readable.from([mutation.bytes]),
      base.publicKey === undefined ? {} : { publicKey: base.publicKey },
    );
    for (;;) {
      const next = await scan.next();
      if (next.done === true) {
        for (const table of next.value.manifest.tables) declared.set(table.name, table.upsertCount + table.deleteCount);
        break;
      }
      read.set(next.value.table.name, (read.get(next.value.table.name) ?? 0) + next.value.rows.length);
      for (const row of next.value.rows) {
        for (const value of row.op === 'upsert' ? row.values : row.key) {
          if (typeof value === 'string' && !isWellFormedText(value)) strings++;
        }
      }
    }
  } catch (error) {
    const outcome = errorCode(error);
    if (!(error instanceof AsyncClientError) || !outcome.startsWith('E_PACKAGE_')) {
      return { outcome, problem: `refused without a package code: ${errorMessage(error)}` };
    }
    if (errorMessage(error).includes('\n'))
      return { outcome, problem: `a refusal message of several lines: ${JSON.stringify(errorMessage(error))}` };
    return { outcome };
  }
  if (!mutation.reframed && !mutation.bytes.equals(base.bytes)) return { outcome: 'accepted', problem: 'changed bytes passed the frame' };
  if (strings > 0) return { outcome: 'accepted', problem: `${strings} string(s) with a lone surrogate passed` };
  for (const [table, rows] of declared) {
    if ((read.get(table) ?? 0) !== rows)
      return { outcome: 'accepted', problem: `table ${table} declares ${rows} rows but gave ${read.get(table) ?? 0}` };
  }
  return { outcome: 'accepted' };
}

const packages = await bases();
const outcomes = new Map<string, number>();
const failures: { case: number; mutation: string; problem: string }[] = [];
for (let i = only ?? 0; i < (only ?? 0) + count; i++) {
  const choices = choicesFrom(seededRandom(seed * 1_000_003 + i));
  const base = choices.pick(packages);
  const mutation = mutate(base.bytes, choices, base.signingKey);
  const answer = await answerTo(base, mutation);
  outcomes.set(answer.outcome, (outcomes.get(answer.outcome) ?? 0) + 1);
  if (answer.problem !== undefined) failures.push({ case: i, mutation: mutation.name, problem: answer.problem });
}
const summary = {
  seed,
  count,
  outcomes: Object.fromEntries([...outcomes].sort()),
  failed: failures.length,
  failures: failures.slice(0, 20),
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exitCode = failures.length === 0 ? 0 : 1;
