import { spawnSync } from 'node:child_process';
import { CLI_PATH } from '../support/daemon-process.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `async-client package ARGS` through the built binary (npm test builds dist/ first). */
export function runPackageCli(args: readonly string[], cwd: string): CliResult {
  const result = spawnSync(process.execPath, [CLI_PATH, 'package', ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
