import type { Writable } from 'node:stream';

/** Exit codes every command shares; documented in the README's CLI reference. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
} as const;

export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** One CLI command: `async-client <name> ...`. Each lives in its own file under commands/. */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  /** Full `--help` text: usage line, options, exit codes. */
  readonly help: string;
  /** The command handles SIGTERM and SIGINT itself (takeStopSignals); the others end on them, as any process does. */
  readonly takesStopSignals?: true;
  run(args: readonly string[], io: CliIo): Promise<number>;
}
