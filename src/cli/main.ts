#!/usr/bin/env node
import { ExitCode, type CliCommand, type CliIo } from './command.js';
import { downloadCommand } from './commands/download.js';
import { packageCommand } from './commands/package.js';
import { profileCommand } from './commands/profile.js';
import { runCommand } from './commands/run.js';
import { sessionsCommand } from './commands/sessions.js';
import { statusCommand } from './commands/status.js';
import { uploadCommand } from './commands/upload.js';
import { validateCommand } from './commands/validate.js';
import { packageVersion } from './version.js';

const COMMANDS: readonly CliCommand[] = [
  runCommand,
  validateCommand,
  statusCommand,
  downloadCommand,
  uploadCommand,
  sessionsCommand,
  packageCommand,
  profileCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `Usage: async-client <command> [options]

Keeps a store's channel database in step with headquarters through data packages in a
shared working folder.

Commands:
${lines.join('\n')}

Every command takes --help and --version. Exit codes: 0 success, 1 failure, 2 usage
error; a command's --help lists any others.
`;
}

/** Dispatches `async-client <command> ...`; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (argv.includes('--version') || argv.includes('-V')) {
    io.stdout.write(`async-client ${packageVersion()}\n`);
    return ExitCode.ok;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((command) => command.name === args[0]) : undefined;
    io.stdout.write(topic?.help ?? overview());
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.stderr.write(`async-client: unknown command ${JSON.stringify(name)}\n\n${overview()}`);
    return ExitCode.usage;
  }
  return command.run(args, io);
}

const exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = exitCode;
