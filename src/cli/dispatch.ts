import { ExitCode, type CliCommand, type CliIo } from './command.js';
import { packageVersion } from './version.js';
import { releaseStopSignals } from './early-signals.js';

/**
 * Each command's module is loaded when that command runs: the daemon (`run`) then starts without
 * the package tools' CSV, the status page and the other commands' dependencies.
 */
const COMMANDS: Readonly<Record<string, () => Promise<CliCommand>>> = {
  run: async () => (await import('./commands/run.js')).runCommand,
  validate: async () => (await import('./commands/validate.js')).validateCommand,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  download: async () => (await import('./commands/download.js')).downloadCommand,
  upload: async () => (await import('./commands/upload.js')).uploadCommand,
  sessions: async () => (await import('./commands/sessions.js')).sessionsCommand,
  package: async () => (await import('./commands/package.js')).packageCommand,
  profile: async () => (await import('./commands/profile.js')).profileCommand,
  fleet: async () => (await import('./commands/fleet.js')).fleetCommand,
};

function loadCommand(name: string | undefined): Promise<CliCommand> | undefined {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name]?.() : undefined;
}

async function overview(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
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
    const topic = name === 'help' ? await loadCommand(args[0]) : undefined;
    io.stdout.write(topic?.help ?? (await overview()));
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const command = await loadCommand(name);
  if (command === undefined) {
    io.stderr.write(`async-client: unknown command ${JSON.stringify(name)}\n\n${await overview()}`);
    return ExitCode.usage;
  }
  if (command.takesStopSignals !== true) releaseStopSignals();
  return command.run(args, io);
}
