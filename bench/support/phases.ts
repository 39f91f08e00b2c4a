import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A benchmark runs each phase in a child process of its own so that each phase's peak RSS
 * (VmHWM, see `peakRssKib`) is that phase's alone. The script hands its phases and
 * its parent's work to `runBenchmark`: in the parent, the parent's work calls `runPhase` (or
 * `runPhasesMedian`) for each phase; in a child, `runBenchmark` runs and measures the phase.
 */
export interface PhaseResult {
  readonly phase: string;
  readonly seconds: number;
  /** Peak resident set size of the phase's process, in MiB. */
  readonly peakRssMb: number;
  readonly [metric: string]: number | string;
}

type PhaseWork = () => Promise<Record<string, number | string>>;

/** A phase's measured work, with what must happen before the clock starts (a fresh copy of a database, say). */
export type BenchPhase = PhaseWork | { readonly setup?: () => void; readonly work: PhaseWork };

const PHASE_FLAG = '--phase';
/** The parent's scratch folder, handed to its phases' processes. */
const SCRATCH_ENV = 'BENCH_SCRATCH_DIR';

/**
 * A benchmark script's entry point. In the parent (no `--phase`): makes a scratch folder, runs
 * `parent` with it, and removes it. In a phase's process: runs that phase and reports it.
 */
export async function runBenchmark(
  name: string,
  phases: Readonly<Record<string, BenchPhase>>,
  parent: (scratch: string) => Promise<void>,
): Promise<void> {
  const at = process.argv.indexOf(PHASE_FLAG);
  if (at < 0) {
    const scratch = mkdtempSync(join(tmpdir(), `bench-${name}-`));
    process.env[SCRATCH_ENV] = scratch;
    try {
      await parent(scratch);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    return;
  }
  const phase = process.argv[at + 1] ?? '';
  const selected = phases[phase];
  if (selected === undefined) throw new Error(`unknown phase ${phase}`);
  const { setup, work } = typeof selected === 'function' ? { setup: undefined, work: selected } : selected;
  setup?.();
  await measurePhase(phase, work);
}

/** The parent's scratch folder, in a phase's process. */
export function scratchDirectory(): string {
  const scratch = process.env[SCRATCH_ENV];
  if (scratch === undefined) throw new Error(`${SCRATCH_ENV} is not set: phases run from runBenchmark`);
  return scratch;
}

/** How a phase's node process starts: node's flags and environment variables beside the parent's. */
export interface NodeStart {
  readonly flags: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
}

const PLAIN_NODE: NodeStart = { flags: [], environment: {} };

/**
 * Runs `script` (a module URL, usually `import.meta.url`) with `--phase name` in a node started
 * as `start` says, and returns what the phase reported.
 */
export function runPhase(script: string, phase: string, start: NodeStart = PLAIN_NODE): PhaseResult {
  const output = execFileSync(process.execPath, [...start.flags, fileURLToPath(script), PHASE_FLAG, phase], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, ...start.environment },
  });
  const lastLine = output.trim().split('\n').at(-1) ?? '';
  return JSON.parse(lastLine) as PhaseResult;
}

/**
 * Runs each phase `repeat` times, interleaved (a, b, a, b, ...) so that a noisy neighbour hurts
 * all phases alike, and keeps per phase the run with the median time.
 */
export function runPhasesMedian(
  script: string,
  phases: readonly string[],
  repeat: number,
  start: NodeStart = PLAIN_NODE,
): Map<string, PhaseResult> {
  const runs = new Map<string, PhaseResult[]>(phases.map((phase) => [phase, []]));
  for (let round = 0; round < repeat; round++) {
    for (const phase of phases) runs.get(phase)?.push(runPhase(script, phase, start));
  }
  return new Map(
    [...runs].map(([phase, results]) => {
      const sorted = [...results].sort((a, b) => a.seconds - b.seconds);
      return [phase, sorted[Math.floor(sorted.length / 2)] as PhaseResult];
    }),
  );
}

/**
 * This process's peak RSS in KiB: VmHWM where /proc exists. getrusage's ru_maxrss survives
 * execve, so it reports the parent's size at spawn time whenever that was larger.
 */
function peakRssKib(): number {
  const status = existsSync('/proc/self/status') ? readFileSync('/proc/self/status', 'utf8') : '';
  const peak = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  return peak === null ? process.resourceUsage().maxRSS : Number(peak[1]);
}

/** Times `work` and prints the phase's result as the last stdout line, for `runPhase` to collect. */
async function measurePhase(phase: string, work: PhaseWork): Promise<void> {
  const started = performance.now();
  const metrics = await work();
  const seconds = (performance.now() - started) / 1000;
  const result: PhaseResult = { phase, seconds, peakRssMb: peakRssKib() / 1024, ...metrics };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** A GitHub-flavoured markdown table, ready for docs/benchmarks.md. */
export function markdownTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `1234567.8` → `1,234,568`. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
