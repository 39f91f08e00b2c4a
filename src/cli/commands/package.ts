import { ExitCode, type CliCommand } from '../command.js';
import { inspectCommand } from '../package/inspect.js';
import { keygenCommand } from '../package/keygen.js';
import { packCommand } from '../package/pack.js';
import { unpackCommand } from '../package/unpack.js';
import { describeFailure, UsageError } from '../package/usage.js';
import { verifyCommand } from '../package/verify.js';

const subcommands: readonly CliCommand[] = [packCommand, inspectCommand, verifyCommand, unpackCommand, keygenCommand];

const help = `Usage: async-client package <subcommand> [options]

Tools for the data package format (docs/package-format.md) that HQ integrators and operators use.

Subcommands:
${subcommands.map((command) => `  ${command.name.padEnd(8)} ${command.summary}`).join('\n')}

Run "async-client package <subcommand> --help" for its options.
Exit codes: 0 success, 1 failure (the error code and reason are printed), 2 usage error.`;

export const packageCommand: CliCommand = {
  name: 'package',
  summary: 'pack, inspect, verify and unpack data packages; make signing keys',
  help,
  async run(args, io) {
    const [name, ...rest] = args;
    if (name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(`${help}\n`);
      return ExitCode.ok;
    }
    const subcommand = subcommands.find((command) => command.name === name);
    if (subcommand === undefined) {
      io.stderr.write(`${name === undefined ? 'a subcommand is required' : `unknown subcommand ${name}`}\n\n${help}\n`);
      return ExitCode.usage;
    }
    try {
      return await subcommand.run(rest, io);
    } catch (error) {
      if (error instanceof UsageError) {
        io.stderr.write(`async-client package ${subcommand.name}: ${error.message}\nRun "async-client package ${subcommand.name} --help" for usage.\n`);
        return ExitCode.usage;
      }
      io.stderr.write(`async-client package ${subcommand.name}: ${describeFailure(error)}\n`);
      return ExitCode.failure;
    }
  },
};
