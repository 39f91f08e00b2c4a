import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DownloadStore, FOLDERS } from '../download/download-store.js';
import { hostileCases } from '../package/hostile-packages.js';
import { MEMORY_LIMIT_MIB, runCappedCli } from '../support/capped-cli.js';
import { CLI_PATH } from '../support/daemon-process.js';

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[]): CliRun {
  const result = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * SHA-256 of everything in the channel database but the download journal, which must record
 * the refusal: every table's schema and rows, the daemon's own (schema version, watermarks,
 * upload sessions) included, as another SQLite client reads them.
 */
function databaseDigest(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const hash = createHash('sha256');
    const tables = db
      .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name <> 'async_client_download_session' ORDER BY name")
      .all() as { name: string; sql: string }[];
    for (const { name, sql } of tables) {
      hash.update(`${sql}\n`);
      const rows = db.prepare(`SELECT * FROM "${name}" ORDER BY 1`).raw().safeIntegers().all();
      hash.update(JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)));
    }
    return hash.digest('hex');
  } finally {
    db.close();
  }
}

let store: DownloadStore;
let profile: string;
beforeEach(async () => {
  store = await DownloadStore.create();
  store.settings = { ...store.settings, allowCreateTables: false };
  await store.pos('CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER)');
  profile = await store.writeProfileFile();
  await store.publish(1, [[1, 'kept', 10]]);
  expect(cli(['download', '--once', '--profile', profile])).toMatchObject({ code: 0, stdout: 'download: applied 1 package (seq 1)\n' });
});
afterEach(async () => {
  await store.close();
});

async function dropHostile(bytes: Buffer): Promise<void> {
  await writeFile(path.join(store.folderRoot, FOLDERS.download, store.fileName(2)), bytes);
}

/** One case of each kind the issue lists: order of checks, limits, text, reserved names, spec gaps. */
const chosen = new Set([
  'a gzip bomb with a wrong digest',
  'a gzip bomb of valid rows',
  'a line one byte over the limit',
  'a count of 1e9 declared over 200,000 rows',
  'a count of 1e9 declared over 1,000,000 rows',
  'a 0xFF byte in a row',
  'a lone surrogate escape in a row',
  'a second gzip member',
  'bytes after the gzip member',
  'a full package for async_client_meta',
  'a full package for ASYNC_CLIENT_WATERMARK',
  'a full package for sqlite_sequence',
  'a manifest member twice',
  'two tables differing only in case',
  'a CR before the LF',
]);
const cases = hostileCases({ channelId: 'store-7', sequence: 2 }).filter((hostile) => chosen.has(hostile.name));

describe('download --once refuses crafted packages and leaves the database as it was (built binary, heap capped, peak RSS measured)', () => {
  it('covers every chosen case', () => {
    expect(cases.map((hostile) => hostile.name).sort()).toEqual([...chosen].sort());
  });

  it.each(cases.map((hostile) => [hostile.name, hostile] as const))('%s', async (_name, hostile) => {
    const before = databaseDigest(store.databaseFile);
    await dropHostile(hostile.bytes());
    const run = runCappedCli(['download', '--once', '--profile', profile]);
    expect(run).toMatchObject({ code: 1, stdout: 'download: 1 failed\n' });
    expect(run.peakRssMib).toBeLessThan(MEMORY_LIMIT_MIB);
    const failed = run.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.event === 'download.failed');
    expect(failed).toEqual([expect.objectContaining({ code: hostile.code, sequence: 2, status: 'Suspended' })]);
    expect(String(failed[0]?.message)).toMatch(hostile.message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(databaseDigest(store.databaseFile)).toBe(before);
    expect(await store.db.downloads.findBySequence(2)).toMatchObject({ status: 'Suspended', errorCode: hostile.code, appliedAt: null });
    expect(await store.products()).toEqual([[1, 'kept', 10]]);
  });
});

describe('a store that receives a package for async_client_meta', () => {
  it('keeps its schema version and goes on applying once the package is canceled', async () => {
    const meta = (): unknown => {
      const db = new Database(store.databaseFile, { readonly: true });
      try {
        return db.prepare('SELECT key, value FROM async_client_meta ORDER BY key').all();
      } finally {
        db.close();
      }
    };
    const before = meta();
    const hostile = hostileCases({ channelId: 'store-7', sequence: 2 }).find((c) => c.name === 'a full package for async_client_meta');
    await dropHostile((hostile as (typeof cases)[number]).bytes());
    await store.publish(3, [[3, 'after', 30]]);
    expect(cli(['download', '--once', '--profile', profile])).toMatchObject({ code: 1, stdout: 'download: 1 failed\n' });
    expect(meta()).toEqual(before);
    const waiting = cli(['download', '--once', '--profile', profile]);
    expect(waiting.stdout).toContain('sequence 2 is Suspended');
    expect(waiting.stderr).not.toContain('E_DATABASE_SCHEMA_NEWER');
    const session = await store.db.downloads.findBySequence(2);
    const cancel = cli([
      'sessions',
      'cancel',
      String(session?.id),
      '--yes',
      '--reason',
      'a package for the daemon table',
      '--profile',
      profile,
    ]);
    expect(cancel.code).toBe(0);
    expect(cli(['download', '--once', '--profile', profile])).toMatchObject({
      code: 0,
      stdout: 'download: applied 1 package (seq 3); 1 settled\n',
    });
    expect(await store.products()).toEqual([
      [1, 'kept', 10],
      [3, 'after', 30],
    ]);
    expect(meta()).toEqual(before);
  });
});
