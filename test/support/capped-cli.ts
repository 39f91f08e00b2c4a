import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_PATH } from './daemon-process.js';

/** What the hostile-package tests allow any command to take, heap or not (issue 14). */
export const MEMORY_LIMIT_MIB = 150;
/** The V8 heap cap the child runs under: a reader that holds what it should not fails with an out-of-memory crash. */
const HEAP_CAP_MIB = 64;
const PEAK_RSS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'peak-rss.mjs');

export interface CappedRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident set size of the whole process. */
  readonly peakRssMib: number;
}

/** Runs the built CLI with its heap capped and reports its peak RSS. */
export function runCappedCli(args: readonly string[], cwd = process.cwd()): CappedRun {
  const dir = mkdtempSync(path.join(tmpdir(), 'peak-rss-'));
  try {
    const file = path.join(dir, 'peak');
    const result = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_CAP_MIB}`, '--import', PEAK_RSS, CLI_PATH, ...args], {
      cwd,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, PEAK_RSS_FILE: file },
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, peakRssMib: Number(readFileSync(file, 'utf8')) / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
