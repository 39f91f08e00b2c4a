import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/**
 * Other processes on the channel database, as in a store: each is a real `node` process with
 * its own better-sqlite3 connection, driven line by line over stdin/stdout.
 */
export class SqliteProcess {
  private readonly lines: AsyncIterator<string>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static start(script: string, file: string): SqliteProcess {
    const child = spawn(process.execPath, ['-e', script, file], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'pipe'] });
    return new SqliteProcess(child);
  }

  async nextLine(): Promise<string> {
    const next = await this.lines.next();
    if (next.done === true) throw new Error(`process ${this.child.pid} ended without a line`);
    return next.value;
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Waits for the process to end by itself and returns its exit code. */
  async exit(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const [code] = (await once(this.child, 'exit')) as [number | null];
    return code;
  }

  /** Stops the process by its PID if it is still running. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await once(this.child, 'exit');
  }
}

/** Takes the write lock (BEGIN IMMEDIATE), says `locked`, and holds it until told `release`. */
export const HOLD_WRITE_LOCK = `
const db = new (require('better-sqlite3'))(process.argv[1]);
db.exec('BEGIN IMMEDIATE');
console.log('locked');
require('readline').createInterface({ input: process.stdin }).on('line', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
`;

/**
 * A POS till: inserts one sale per transaction with a 60 s busy timeout, says \`writing\`
 * after the first, and on \`stop\` prints how many it wrote and its longest wait in ms.
 */
export const POS_WRITER = `
const db = new (require('better-sqlite3'))(process.argv[1], { timeout: 60000 });
const insert = db.prepare('INSERT INTO pos_sale (amount) VALUES (?)');
let written = 0, longestWaitMs = 0, stopping = false;
require('readline').createInterface({ input: process.stdin }).on('line', () => { stopping = true; });
const sell = () => {
  if (stopping) { console.log(JSON.stringify({ written, longestWaitMs })); db.close(); process.exit(0); }
  const start = process.hrtime.bigint();
  insert.run(String(written + 1) + '.99');
  longestWaitMs = Math.max(longestWaitMs, Number(process.hrtime.bigint() - start) / 1e6);
  written += 1;
  if (written === 1) console.log('writing');
  setTimeout(sell, 1);
};
sell();
`;
