import { AsyncClientError } from '../../errors.js';

/** Bad command-line usage: the command prints its help hint and exits with ExitCode.usage. */
export class UsageError extends Error {}

/** Every subcommand's `--help` / `-h` option, for node:util parseArgs. */
export const HELP_OPTION = { type: 'boolean', short: 'h' } as const;

/** Runs a node:util parseArgs call, turning its errors (unknown option, missing value) into UsageError. */
export function usageErrors<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function requireOption<T>(value: T | undefined, flag: string): T {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  return value;
}

export function singlePositional(positionals: readonly string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what}, got ${positionals.length}`);
  return positionals[0] as string;
}

/** An error whose code and message the command prints as is (no stack): ours, or a system error. */
export function describeFailure(error: unknown): string {
  if (error instanceof AsyncClientError) return `${error.code}: ${error.message}`;
  const code = (error as NodeJS.ErrnoException).code;
  return code === undefined ? String((error as Error).message ?? error) : `${code}: ${(error as Error).message}`;
}
