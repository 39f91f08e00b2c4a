import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorMessage } from '../errors.js';
import type { RunningProfile } from '../profile/checks/checks.js';
import { subprocessProfileChecks } from '../profile/checks/in-subprocess.js';
import type { EffectiveProfile } from '../profile/hq/effective.js';
import type { Profile } from '../profile/profile.js';
import { ExitCode, type CliCommand, type CliIo } from './command.js';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

export type ParsedCommandArgs<O extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O & typeof HELP_OPTION; allowPositionals: true; strict: true }>
>;

/**
 * Parses a command's arguments strictly, with `-h/--help` on every command. Returns the
 * parsed values, or the exit code when the command is already answered: its help printed
 * (0) or a usage error printed (2).
 */
export function parseCommandArgs<O extends OptionsConfig>(
  command: CliCommand,
  args: readonly string[],
  io: CliIo,
  options: O,
): ParsedCommandArgs<O> | number {
  let parsed: ParsedCommandArgs<O>;
  try {
    parsed = parseArgs({ args: [...args], options: { ...options, ...HELP_OPTION }, allowPositionals: true, strict: true });
  } catch (error) {
    return usageError(command, io, errorMessage(error));
  }
  if ((parsed.values as { help?: boolean }).help === true) {
    io.stdout.write(command.help);
    return ExitCode.ok;
  }
  return parsed;
}

/** Prints what is wrong with the command line, the command's usage lines and where to read more; returns ExitCode.usage. */
export function usageError(command: CliCommand, io: CliIo, problem: string): number {
  const usage = command.help.split('\n\n', 1)[0] as string;
  io.stderr.write(`async-client ${command.name}: ${problem}\n${usage}\nRun 'async-client ${command.name} --help' for details.\n`);
  return ExitCode.usage;
}

/** `--profile PATH`, else `$ASYNC_CLIENT_PROFILE`, else the path the service unit uses. */
export const DEFAULT_PROFILE_PATH = '/etc/async-client/profile.yaml';

export const PROFILE_OPTION = { profile: { type: 'string', short: 'p' } } as const;

export function profilePath(value: string | undefined, io: CliIo): string {
  return value ?? io.env.ASYNC_CLIENT_PROFILE ?? DEFAULT_PROFILE_PATH;
}

export const PROFILE_OPTION_HELP = `  -p, --profile PATH   The profile file. Default: $ASYNC_CLIENT_PROFILE, else ${DEFAULT_PROFILE_PATH}.`;

/**
 * Loads the profile `--profile` names (see profilePath) as the store runs it: with the HQ
 * profile it last adopted laid over it. A profile that cannot be loaded is printed as is and
 * answered with ExitCode.failure.
 */
export async function loadEffectiveProfileOption(value: string | undefined, io: CliIo): Promise<EffectiveProfile | number> {
  // Loaded here, not at the top: the daemon (loadRunningProfileOption) never loads yaml and TypeBox on its own thread.
  const { loadEffectiveProfile } = await import('../profile/hq/effective.js');
  return printedFailure(io, () => loadEffectiveProfile(profilePath(value, io), { cwd: io.cwd }));
}

/** loadEffectiveProfileOption for the daemon: read and checked in a process of its own, in plain data. */
export function loadRunningProfileOption(value: string | undefined, io: CliIo): Promise<RunningProfile | number> {
  return printedFailure(io, () => subprocessProfileChecks.running(profilePath(value, io), io.cwd));
}

async function printedFailure<T>(io: CliIo, load: () => Promise<T>): Promise<T | number> {
  try {
    return await load();
  } catch (error) {
    io.stderr.write(`${errorMessage(error)}\n`);
    return ExitCode.failure;
  }
}

/** The Profile of loadEffectiveProfileOption. */
export async function loadProfileOption(value: string | undefined, io: CliIo): Promise<Profile | number> {
  const effective = await loadEffectiveProfileOption(value, io);
  return typeof effective === 'number' ? effective : effective.profile;
}
