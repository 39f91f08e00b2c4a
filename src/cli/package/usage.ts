import { errorCode, errorMessage } from '../../errors.js';

/**
 * Bad usage found past the argument parsing (a missing option, a spec file that lists no
 * tables): thrown from deep in a package tool, printed by the `package` command with
 * usageError (../args.ts) and answered with ExitCode.usage.
 */
export class UsageError extends Error {}

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
  const code = errorCode(error);
  return code === 'E_UNEXPECTED' ? errorMessage(error) : `${code}: ${errorMessage(error)}`;
}
