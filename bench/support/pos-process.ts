import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The example POS (examples/pos/), found from this module up: it runs from bench/support/ under
 * jest and from dist/bench/support/ once built.
 */
export const POS_EXAMPLES = findUp(dirname(fileURLToPath(import.meta.url)), join('examples', 'pos'));

function findUp(from: string, relative: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, relative))) return join(dir, relative);
    if (dirname(dir) === dir) throw new Error(`no ${relative} above ${from}`);
  }
}

/** What the POS simulator says when it stops. */
export interface PosTally {
  readonly sales: number;
  readonly lines: number;
  /** The longest a sale waited for the database. */
  readonly longestWaitMs: number;
}

/**
 * The example POS simulator (examples/pos/pos-simulator.mjs) as a real process selling into a
 * channel database, for tests and benchmarks alike; stopped by its PID.
 */
export class PosProcess {
  private stdout = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
  }

  /** Starts selling and resolves once the first sale is committed. */
  static async start(databaseFile: string, salesPerSecond: number): Promise<PosProcess> {
    const simulator = join(POS_EXAMPLES, 'pos-simulator.mjs');
    const child = spawn(process.execPath, [simulator, databaseFile, '--rate', String(salesPerSecond)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const pos = new PosProcess(child);
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('selling')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the POS simulator exited with ${code} before selling`)));
    });
    return pos;
  }

  /** SIGTERM by PID; resolves with the tally it prints. */
  async stop(): Promise<PosTally> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
    return JSON.parse(this.stdout.trim().split('\n').at(-1) ?? '{}') as PosTally;
  }

  /** Sells while `work` runs; returns what `work` returned and the till's tally. */
  static async during<T>(databaseFile: string, salesPerSecond: number, work: () => Promise<T>): Promise<{ result: T; tally: PosTally }> {
    const pos = await PosProcess.start(databaseFile, salesPerSecond);
    let result: T;
    try {
      result = await work();
    } catch (error) {
      await pos.stop();
      throw error;
    }
    return { result, tally: await pos.stop() };
  }
}
