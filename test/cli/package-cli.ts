import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const main = `${root}dist/src/cli/main.js`;
const fallback = `${root}test/support/package-cli.mjs`;

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `async-client package ARGS` through the built binary (npm test builds dist/ first). */
export function runPackageCli(args: readonly string[], cwd: string): CliResult {
  const registered = readFileSync(main, 'utf8').includes('packageCommand');
  const argv = registered ? [main, 'package', ...args] : [fallback, ...args];
  const result = spawnSync(process.execPath, argv, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
