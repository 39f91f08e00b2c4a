import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { BackgroundCheckpoints } from '../../src/channel/sqlite-checkpointer.js';

const execFileAsync = promisify(execFile);
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
/** `npm test` builds dist/ before jest runs. */
const checkpointerBuilt = fileURLToPath(new URL('../../dist/src/channel/sqlite-checkpointer.js', import.meta.url));

/** Rows of about 100 bytes, about 100 KiB a commit: some 25 pages of the WAL. */
const ROWS_PER_COMMIT = 1000;
const COMMITS = 300;

describe('SQLite: checkpoints in a worker thread during a large apply', () => {
  let folder: string;
  let location: string;
  let db: Database.Database;
  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'async-client-checkpoints-'));
    location = path.join(folder, 'channel.db');
    db = new Database(location);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_autocheckpoint = 500');
    db.exec('CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
  });
  afterEach(async () => {
    db.close();
    await rm(folder, { recursive: true, force: true });
  });

  /** Commits `COMMITS` transactions, telling `checkpoints` of each; returns the WAL's largest size. */
  async function write(checkpoints: BackgroundCheckpoints | null): Promise<number> {
    const insert = db.prepare('INSERT INTO item (id, name) VALUES (?, ?)');
    let largest = 0;
    for (let commit = 0; commit < COMMITS; commit++) {
      db.transaction(() => {
        for (let i = 0; i < ROWS_PER_COMMIT; i++) insert.run(commit * ROWS_PER_COMMIT + i, `item ${'x'.repeat(80)} ${i}`);
      })();
      checkpoints?.committed();
      largest = Math.max(largest, (await stat(`${location}-wal`)).size);
      // Lets the worker's answers in, as the apply's reading of the package does.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return largest;
  }

  test('the WAL stays bounded, the rows are all there, and the writer gets its automatic checkpoints back', async () => {
    const checkpoints = BackgroundCheckpoints.start(db, location);
    expect(checkpoints).not.toBeNull();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const largest = await write(checkpoints);
    await checkpoints?.stop();
    // 300 commits of some 25 pages would make a WAL of 30 MB; it starts over every 64 commits.
    expect(largest).toBeLessThan(12 * 1024 * 1024);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(500);
    expect(db.prepare('SELECT COUNT(*) AS n FROM item').get()).toEqual({ n: COMMITS * ROWS_PER_COMMIT });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  test('a worker that fails gives the writer its automatic checkpoints back, and nothing is lost', async () => {
    const checkpoints = BackgroundCheckpoints.start(db, path.join(folder, 'missing', 'channel.db'));
    // The worker cannot open its connection; the writer takes its checkpoints back once it hears so.
    for (let i = 0; i < 200 && db.pragma('wal_autocheckpoint', { simple: true }) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(500);
    const largest = await write(checkpoints);
    await checkpoints?.stop();
    expect(largest).toBeLessThan(12 * 1024 * 1024);
    expect(db.prepare('SELECT COUNT(*) AS n FROM item').get()).toEqual({ n: COMMITS * ROWS_PER_COMMIT });
  });

  test('the worker runs in a process started with `--input-type=module` (whose flags a worker would inherit)', async () => {
    db.close();
    // A process of its own, on the built files: the worker reports failing by handing the writer its checkpoints back.
    const child = `
      import Database from 'better-sqlite3';
      import { BackgroundCheckpoints } from ${JSON.stringify(checkpointerBuilt)};
      const db = new Database(${JSON.stringify(location)});
      const checkpoints = BackgroundCheckpoints.start(db, ${JSON.stringify(location)});
      await new Promise((resolve) => setTimeout(resolve, 500));
      process.stdout.write(String(db.pragma('wal_autocheckpoint', { simple: true })));
      await checkpoints.stop();
      db.close();
    `;
    const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', child], { cwd: projectRoot });
    db = new Database(location);
    expect(stdout).toBe('0');
  });

  test('a database without a WAL gets none', () => {
    const memory = new Database(':memory:');
    try {
      expect(BackgroundCheckpoints.start(memory, ':memory:')).toBeNull();
    } finally {
      memory.close();
    }
  });
});
