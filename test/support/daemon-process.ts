import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The built CLI, bundled as it ships; `npm test` builds it before jest runs. */
export const CLI_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/bin/async-client.js');

/** One pino line of the daemon's stdout. */
export interface LogEvent {
  readonly event: string;
  readonly level: string;
  readonly [field: string]: unknown;
}

/**
 * The built CLI as a child process, its JSON log lines collected as they come. Tests wait
 * for events rather than for time, and stop the process by its PID.
 */
export class CliProcess {
  readonly events: LogEvent[] = [];
  private stderrText = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as LogEvent);
      } catch {
        this.events.push({ event: 'stdout.text', level: 'info', text: line });
      }
      for (const wake of this.waiters) wake();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrText += chunk.toString();
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => {
      for (const wake of this.waiters) wake();
    });
  }

  static start(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliProcess {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new CliProcess(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  stderr(): string {
    return this.stderrText;
  }

  named(event: string): LogEvent[] {
    return this.events.filter((line) => line.event === event);
  }

  /** Resolves with the first event named `event` (after `after` events) matching `where`; rejects if the process exits first or `timeoutMs` passes. */
  waitFor(
    event: string,
    where: (line: LogEvent) => boolean = () => true,
    options: { after?: number; timeoutMs?: number } = {},
  ): Promise<LogEvent> {
    const { after = 0, timeoutMs = 20000 } = options;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.slice(after).find((line) => line.event === event && where(line));
        if (found !== undefined) {
          finish(() => resolve(found));
          return;
        }
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish(() =>
            reject(
              new Error(
                `process exited before ${event}; stderr: ${this.stderrText}; events: ${this.events.map((e) => e.event).join(', ')}`,
              ),
            ),
          );
        }
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no ${event} within ${timeoutMs} ms; events: ${this.events.map((e) => e.event).join(', ')}`))),
        timeoutMs,
      );
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }

  /** Stops the process by PID if it still runs (SIGKILL: cleanup after a test). */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
