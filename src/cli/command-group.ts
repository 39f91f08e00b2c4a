import { usageError } from './args.js';
import { ExitCode, type CliCommand } from './command.js';
import { describeFailure, UsageError } from './package/usage.js';

export interface CommandGroupSpec {
  /** `package`, `profile`: each subcommand is named `<name> <subcommand>`. */
  readonly name: string;
  readonly summary: string;
  /** The help's paragraph between the usage line and the list of subcommands. */
  readonly intro: string;
  readonly subcommands: readonly CliCommand[];
}

/**
 * `async-client <group> <subcommand> ...`: dispatches to one command per subcommand, prints
 * the group's help, and turns what a subcommand throws into an exit code (a UsageError is
 * 2 with the subcommand's usage lines, anything else 1 with its code and reason).
 */
export function commandGroup(spec: CommandGroupSpec): CliCommand {
  const subcommandName = (command: CliCommand): string => command.name.slice(`${spec.name} `.length);
  const help = `Usage: async-client ${spec.name} <subcommand> [options]

${spec.intro}

Subcommands:
${spec.subcommands.map((command) => `  ${subcommandName(command).padEnd(8)} ${command.summary}`).join('\n')}

Run "async-client ${spec.name} <subcommand> --help" for its options.
Exit codes: 0 success, 1 failure (the error code and reason are printed), 2 usage error.
`;
  return {
    name: spec.name,
    summary: spec.summary,
    help,
    async run(args, io) {
      const [name, ...rest] = args;
      if (name === '--help' || name === '-h' || name === 'help') {
        io.stdout.write(help);
        return ExitCode.ok;
      }
      const subcommand = spec.subcommands.find((command) => subcommandName(command) === name);
      if (subcommand === undefined) {
        io.stderr.write(`${name === undefined ? 'a subcommand is required' : `unknown subcommand ${name}`}\n\n${help}`);
        return ExitCode.usage;
      }
      try {
        return await subcommand.run(rest, io);
      } catch (error) {
        if (error instanceof UsageError) return usageError(subcommand, io, error.message);
        io.stderr.write(`async-client ${subcommand.name}: ${describeFailure(error)}\n`);
        return ExitCode.failure;
      }
    },
  };
}
