import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * A benchmark runs each phase in a child process of its own so that each phase's peak RSS
 * (`process.resourceUsage().maxRSS`) is that phase's alone. The script calls `phaseArgument()`:
 * in the parent it is undefined and the script calls `runPhase` for each phase; in a child it
 * names the phase to run, which ends with `reportPhase`.
 */
export interface PhaseResult {
  readonly phase: string;
  readonly seconds: number;
  /** Peak resident set size of the phase's process, in MiB. */
  readonly peakRssMb: number;
  readonly [metric: string]: number | string;
}

const PHASE_FLAG = '--phase';

/** The phase this process was started to run, or undefined in the parent. */
export function phaseArgument(argv: readonly string[] = process.argv): string | undefined {
  const at = argv.indexOf(PHASE_FLAG);
  return at < 0 ? undefined : argv[at + 1];
}

/** Runs `script` (a module URL, usually `import.meta.url`) with `--phase name` and returns what the phase reported. */
export function runPhase(script: string, phase: string, env: NodeJS.ProcessEnv = {}): PhaseResult {
  const output = execFileSync(process.execPath, [fileURLToPath(script), PHASE_FLAG, phase], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  const lastLine = output.trim().split('\n').at(-1) ?? '';
  return JSON.parse(lastLine) as PhaseResult;
}

/**
 * Runs each phase `repeat` times, interleaved (a, b, a, b, ...) so that a noisy neighbour hurts
 * all phases alike, and keeps per phase the run with the median time.
 */
export function runPhasesMedian(script: string, phases: readonly string[], repeat: number, env: NodeJS.ProcessEnv = {}): Map<string, PhaseResult> {
  const runs = new Map<string, PhaseResult[]>(phases.map((phase) => [phase, []]));
  for (let round = 0; round < repeat; round++) {
    for (const phase of phases) runs.get(phase)?.push(runPhase(script, phase, env));
  }
  return new Map(
    [...runs].map(([phase, results]) => {
      const sorted = [...results].sort((a, b) => a.seconds - b.seconds);
      return [phase, sorted[Math.floor(sorted.length / 2)] as PhaseResult];
    }),
  );
}

/** Times `work` and prints the phase's result as the last stdout line, for `runPhase` to collect. */
export async function measurePhase(phase: string, work: () => Promise<Record<string, number | string>>): Promise<void> {
  const started = performance.now();
  const metrics = await work();
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const result: PhaseResult = { phase, seconds, peakRssMb, ...metrics };
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
