import { Writable } from 'node:stream';
import type { CliCommand, CliIo } from '../../src/cli/command.js';

class TextSink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command in this process with captured output, as main.ts would. */
export async function runCli(
  command: CliCommand,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  cwd = process.cwd(),
): Promise<CliRun> {
  const stdout = new TextSink();
  const stderr = new TextSink();
  const io: CliIo = { stdout, stderr, env, cwd };
  const exitCode = await command.run(args, io);
  return { exitCode, stdout: stdout.text, stderr: stderr.text };
}
