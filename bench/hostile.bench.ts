/**
 * What a hostile package costs the reader before it is refused (issue 14), against a baseline
 * measured in the same run: reading the same file once (SHA-256 of every byte, nothing
 * inflated). A package whose digest is wrong should cost no more than that; a bomb whose frame
 * is intact is refused as soon as it crosses a limit. Each phase runs in its own process for a
 * clean peak RSS. `BENCH_HOSTILE_LIBRARY=path/to/dist/src/package/index.js` measures another
 * build of the reader (an older commit, for a before/after figure) with the same packages;
 * `BENCH_HOSTILE_HEAP_MB=64` runs the phases with the V8 heap capped, as the tests do.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorCode } from '../src/errors.js';
import type { verifyPackage as VerifyPackage } from '../src/package/index.js';
import { hostileCases, rowBomb, spaceBomb, type HostileTarget } from '../test/package/hostile-packages.js';
import { markdownTable, runBenchmark, runPhasesMedian, scratchDirectory, type BenchPhase, type PhaseResult } from './support/phases.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const LIBRARY = process.env.BENCH_HOSTILE_LIBRARY;
const HEAP_MB = process.env.BENCH_HOSTILE_HEAP_MB;
const target: HostileTarget = { channelId: 'bench', sequence: 1 };

/** The crafted files, written once by the parent; each phase refuses one. */
const FILES: Readonly<Record<string, { readonly what: string; readonly bytes: () => Buffer }>> = {
  'bomb-wrong-digest': {
    what: '1 GiB gzip bomb, wrong digest',
    bytes: () =>
      hostileCases(target)
        .find((c) => c.name === 'a gzip bomb with a wrong digest')
        ?.bytes() as Buffer,
  },
  'bomb-one-line': { what: '1 GiB gzip bomb (one endless line), digest right', bytes: () => spaceBomb(target, 1024) },
  'bomb-rows': { what: '1 GiB gzip bomb of 1,024 valid rows, digest right', bytes: () => rowBomb(target, 1024) },
  'count-1e9': {
    what: '1e9 rows declared, 1,000,000 out-of-order keys present',
    bytes: () =>
      hostileCases(target)
        .find((c) => c.name === 'a count of 1e9 declared over 1,000,000 rows')
        ?.bytes() as Buffer,
  },
};

function file(name: string): string {
  return join(scratchDirectory(), `${name}.acpkg`);
}

/** Loaded before any phase's clock starts. */
const verifyPackage = (
  (await import(LIBRARY === undefined ? '../src/package/index.js' : pathToFileURL(LIBRARY).href)) as { verifyPackage: typeof VerifyPackage }
).verifyPackage;

function refusal(name: string): BenchPhase {
  return async () => {
    const code = await verifyPackage(file(name)).then(() => 'accepted', errorCode);
    return { code, fileBytes: statSync(file(name)).size };
  };
}

function readOnce(name: string): BenchPhase {
  return async () => {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file(name), { highWaterMark: 64 * 1024 })) hash.update(chunk as Buffer);
    hash.digest();
    return { code: 'read', fileBytes: statSync(file(name)).size };
  };
}

const phases: Record<string, BenchPhase> = Object.fromEntries(
  Object.keys(FILES).flatMap((name) => [
    [`read-${name}`, readOnce(name)],
    [`refuse-${name}`, refusal(name)],
  ]),
);

async function runParent(scratch: string): Promise<void> {
  for (const [name, { bytes }] of Object.entries(FILES)) writeFileSync(join(scratch, `${name}.acpkg`), bytes());
  // Only the phases' processes: the parent holds each gibibyte bomb's pieces while it writes it.
  if (HEAP_MB !== undefined) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${HEAP_MB}`.trim();
  const rows: string[][] = [];
  for (const [name, { what }] of Object.entries(FILES)) {
    const results = runPhasesMedian(import.meta.url, [`read-${name}`, `refuse-${name}`], REPEAT);
    const read = results.get(`read-${name}`) as PhaseResult;
    const refuse = results.get(`refuse-${name}`) as PhaseResult;
    rows.push([
      what,
      `${(Number(refuse.fileBytes) / 2 ** 20).toFixed(1)} MB`,
      String(refuse.code),
      `${(refuse.seconds * 1000).toFixed(0)} ms`,
      `${(read.seconds * 1000).toFixed(1)} ms`,
      `${(refuse.seconds / read.seconds).toFixed(1)}x`,
      `${refuse.peakRssMb.toFixed(0)} MB`,
      `${read.peakRssMb.toFixed(0)} MB`,
    ]);
  }
  console.log(
    `hostile packages: verifyPackage from ${LIBRARY ?? 'this build'}, ${HEAP_MB === undefined ? 'heap not capped' : `heap capped at ${HEAP_MB} MB`} (node ${process.version}; median of ${REPEAT} runs per phase, each in its own process)\n`,
  );
  console.log(
    markdownTable(
      ['package', 'file', 'refused with', 'time to refuse', 'baseline: read once', 'ratio', 'peak RSS', 'baseline peak RSS'],
      rows,
    ),
  );
}

await runBenchmark('hostile', phases, runParent);
