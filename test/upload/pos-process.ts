import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { POS_SIMULATOR } from './upload-rig.js';

/** What the POS simulator says when it stops. */
export interface PosTally {
  readonly sales: number;
  readonly lines: number;
  readonly longestWaitMs: number;
}

/** The example POS simulator as a real process selling into the channel database; stopped by its PID. */
export class PosProcess {
  private stdout = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
  }

  /** Starts selling and resolves once the first sale is committed. */
  static async start(databaseFile: string, salesPerSecond: number): Promise<PosProcess> {
    const child = spawn(process.execPath, [POS_SIMULATOR, databaseFile, '--rate', String(salesPerSecond)], { stdio: ['pipe', 'pipe', 'pipe'] });
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
}
