import { usageError } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { inspectCommand } from '../package/inspect.js';
import { keygenCommand } from '../package/keygen.js';
import { packCommand } from '../package/pack.js';
import { unpackCommand } from '../package/unpack.js';
import { describeFailure, UsageError } from '../package/usage.js';
import { verifyCommand } from '../package/verify.js';

/** `async-client package <subcommand>`: one command per subcommand, named `package <subcommand>`. */
const subcommands: readonly CliCommand[] = [packCommand, inspectCommand, verifyCommand, unpackCommand, keygenCommand];
const subcommandName = (command: CliCommand): string => command.name.slice('package '.length);

const help = `Usage: async-client package <subcommand> [options]

Tools for the data package format (docs/package-format.md) that HQ integrators and operators use.

Subcommands:
${subcommands.map((command) => `  ${subcommandName(command).padEnd(8)} ${command.summary}`).join('\n')}

Run "async-client package <subcommand> --help" for its options.
Exit codes: 0 success, 1 failure (the error code and reason are printed), 2 usage error.
`;

export const packageCommand: CliCommand = {
  name: 'package',
  summary: 'pack, inspect, verify and unpack data packages; make signing keys',
  help,
  async run(args, io) {
    const [name, ...rest] = args;
    if (name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(help);
      return ExitCode.ok;
    }
    const subcommand = subcommands.find((command) => subcommandName(command) === name);
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
