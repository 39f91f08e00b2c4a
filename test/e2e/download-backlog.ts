import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createPackageWriter, packageFileName, type PackageRow, type TableSpec } from '../../src/package/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { seededRandom } from '../support/seeded-random.js';
import type { CliProcess } from '../support/daemon-process.js';
import type { StoreFixture } from '../support/store-fixture.js';
import type { TempStore } from '../support/temp-store.js';

export const CHANNEL = 'store-0042';

const ITEM: Omit<TableSpec, 'upsertCount' | 'deleteCount'> = {
  name: 'item',
  columns: [
    { name: 'id', type: 'integer', nullable: false },
    { name: 'name', type: 'string', nullable: false },
    { name: 'price', type: 'integer', nullable: false },
  ],
  primaryKey: ['id'],
};

/**
 * The POS's side of the channel database before the daemon first starts: the `item` table
 * HQ fills, and triggers that count every row change in `item_changes`. The counter commits
 * with the rows, so a package applied twice would count its rows twice even where upserting
 * the same values again leaves `item` unchanged: the counter proves exactly-once.
 */
export function preparePosDatabase(file: string): void {
  const db = new Database(file);
  try {
    db.exec(`
      CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL);
      CREATE TABLE item_changes (changes INTEGER NOT NULL);
      INSERT INTO item_changes VALUES (0);
      CREATE TRIGGER item_insert AFTER INSERT ON item BEGIN UPDATE item_changes SET changes = changes + 1; END;
      CREATE TRIGGER item_update AFTER UPDATE ON item BEGIN UPDATE item_changes SET changes = changes + 1; END;
      CREATE TRIGGER item_delete AFTER DELETE ON item BEGIN UPDATE item_changes SET changes = changes + 1; END;
    `);
  } finally {
    db.close();
  }
}

/**
 * HQ's backlog and, independently of the daemon, the `item` table it must produce: each
 * package upserts `rowsPerPackage` rows (new and existing ids) and deletes a few existing ones.
 */
export class Backlog {
  /** The expected `item` table, by id. */
  readonly expected = new Map<number, readonly [number, string, number]>();
  /** Row changes per sequence: what the journal's rowsAffected and the trigger counter must show. */
  readonly changes = new Map<number, number>();
  private readonly next: () => number;

  constructor(
    seed: number,
    private readonly rowsPerPackage: number,
  ) {
    this.next = seededRandom(seed);
  }

  /** Builds package `sequence`, updates the expected table, and drops the file into the download area atomically. */
  async publish(downloadArea: string, sequence: number): Promise<void> {
    const upserts: PackageRow[] = [];
    const touched = new Set<number>();
    for (let i = 0; i < this.rowsPerPackage; i += 1) {
      const id = 1 + Math.floor(this.next() * this.rowsPerPackage * 4);
      if (touched.has(id)) continue;
      touched.add(id);
      const row = [id, `item ${id} v${sequence}`, Math.floor(this.next() * 100_000)] as const;
      upserts.push({ op: 'upsert', values: row });
    }
    const deletes: PackageRow[] = [...this.expected.keys()]
      .filter((id) => !touched.has(id) && this.next() < 0.02)
      .map((id) => ({ op: 'delete', key: [id] }));
    for (const row of upserts)
      if (row.op === 'upsert') this.expected.set(row.values[0] as number, row.values as readonly [number, string, number]);
    for (const row of deletes) if (row.op === 'delete') this.expected.delete(row.key[0] as number);
    this.changes.set(sequence, upserts.length + deletes.length);

    const manifest = {
      direction: 'download' as const,
      channelId: CHANNEL,
      sequence,
      job: { id: 'N-1000', name: 'Items' },
      dataGroup: 'default',
      kind: sequence === 1 ? ('full' as const) : ('incremental' as const),
      createdAt: '2026-11-27T12:00:00.000Z',
      producer: 'e2e backlog',
      tables: [{ ...ITEM, upsertCount: upserts.length, deleteCount: deletes.length }],
    };
    await mkdir(downloadArea, { recursive: true });
    const name = packageFileName(manifest);
    const temporary = path.join(downloadArea, `.${name}.writing`);
    const writer = createPackageWriter(manifest, createWriteStream(temporary));
    await writer.writeRows('item', [...upserts, ...deletes]);
    await writer.end();
    await rename(temporary, path.join(downloadArea, name));
  }

  /** SHA-256 per row of the expected table, sorted: compared with the database's own. */
  expectedRowDigests(): string[] {
    return [...this.expected.values()].map(rowDigest).sort();
  }

  totalChanges(): number {
    return [...this.changes.values()].reduce((sum, n) => sum + n, 0);
  }
}

export function rowDigest(row: readonly [number, string, number]): string {
  return createHash('sha256').update(JSON.stringify(row)).digest('hex');
}

/**
 * Readies a temp store the way HQ and the POS would before the daemon starts: the POS's
 * channel database with the `item` table, and packages 1..`packages` of `backlog` waiting in
 * the download area.
 */
export async function seedStore(store: TempStore, backlog: Backlog, packages: number): Promise<void> {
  await mkdir(store.stateDirectory, { recursive: true });
  preparePosDatabase(store.databasePath);
  const downloadArea = path.join(store.workingFolder, CHANNEL, 'download');
  await mkdir(downloadArea, { recursive: true });
  for (let sequence = 1; sequence <= packages; sequence += 1) await backlog.publish(downloadArea, sequence);
}

type JournalRow = { sequence: number; status: string; rows_affected: string; applied_at: string | null };

/** The database as it is, read through a connection of its own; no sessions before the daemon made its journal. */
export function readDatabase(file: string): { rowDigests: string[]; itemChanges: number; sessions: JournalRow[] } {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT id, name, price FROM item').raw().all() as [number, string, number][];
    return {
      rowDigests: rows.map(rowDigest).sort(),
      itemChanges: db.prepare('SELECT changes FROM item_changes').pluck().get() as number,
      sessions: journalRows(db),
    };
  } finally {
    db.close();
  }
}

/** The journal's download sessions alone, cheap enough to poll. */
export function readSessions(file: string): JournalRow[] {
  const db = new Database(file, { readonly: true });
  try {
    return journalRows(db);
  } finally {
    db.close();
  }
}

function journalRows(db: Database.Database): JournalRow[] {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'async_client_download_session'").get() === undefined
    ? []
    : (db
        .prepare('SELECT sequence, status, rows_affected, applied_at FROM async_client_download_session ORDER BY sequence, id')
        .all() as JournalRow[]);
}

/**
 * Starts the daemon on the fixture's store and SIGKILLs it `afterMs` after it is READY (or at
 * once, should it exit first): counted from READY, the kills land in the applies whatever the
 * machine's start-up time.
 */
export function killDaemonAfter(fixture: StoreFixture, afterMs: number): Promise<void> {
  return killDaemonWhen(fixture, async (daemon) => {
    await daemon.waitFor('daemon.ready');
    await sleep(afterMs);
  });
}

/**
 * Starts the daemon and SIGKILLs it `afterMs` after it reports package `sequence` applied:
 * placed by progress rather than by time, the kill cuts into a backlog the daemon would
 * otherwise finish before a timed kill lands.
 */
export function killDaemonAfterApplied(fixture: StoreFixture, sequence: number, afterMs: number): Promise<void> {
  return killDaemonWhen(fixture, async (daemon) => {
    await daemon.waitFor('download.applied', (line) => Number(line.sequence) >= sequence, { timeoutMs: 60_000 });
    await sleep(afterMs);
  });
}

/** Starts the daemon and SIGKILLs it once `moment` resolves or rejects, unless it has exited already. */
async function killDaemonWhen(fixture: StoreFixture, moment: (daemon: CliProcess) => Promise<void>): Promise<void> {
  const daemon = fixture.start(['run', '--profile', fixture.store.profilePath]);
  const { child } = daemon;
  const exited = once(child, 'exit');
  // A daemon that exits first ends the wait through `exited`.
  const reached = moment(daemon).catch(() => undefined);
  await Promise.race([reached, exited]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exited;
}
