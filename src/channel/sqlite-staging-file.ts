import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { isOtherProcessAlive } from '../process-alive.js';

/** The schema name a staging file is attached under, on the daemon's connection and on the writer thread's. */
export const STAGING_SCHEMA = 'async_client_staging';
/**
 * What each connection that attaches a staging file sets for it: its rows matter only until the
 * final transaction has read them, and a crash throws it away, so nothing is flushed; the
 * rollback journal stays, in memory, so that a failed transaction can still be rolled back. The
 * file is written in order and read once in order: a page cache of 256 KiB serves that as well as
 * better-sqlite3's default of 16 MB a connection, which took the apply's peak RSS to 110 MB
 * (docs/benchmarks.md, issue 10, twenty-sixth round).
 */
export const STAGING_PRAGMAS: readonly string[] = [
  `${STAGING_SCHEMA}.journal_mode = MEMORY`,
  `${STAGING_SCHEMA}.synchronous = OFF`,
  `${STAGING_SCHEMA}.cache_size = -256`,
];

/** `<database>.staging-<pid>-<n>`: the pid tells a leftover of a killed process from a live one's. */
const STAGING_NAME = /^(.+)\.staging-(\d+)-\d+$/;

let filesMade = 0;
/** Staging files this process has attached now: the sweep leaves them alone. */
const attached = new Set<string>();

/**
 * A database file of its own beside the channel database, where a streamed apply stages the rows
 * it merges in its final transaction (sqlite-staged-table.ts). Writing it takes no lock on the
 * channel database, and another thread's connection (the writer thread) can write it while this
 * one reads the package: SQLite's temporary database is seen by its own connection only.
 */
export class StagingFile {
  private constructor(
    private readonly db: Database,
    readonly file: string,
  ) {}

  /** Creates and attaches a staging file for the database at `location`; outside any transaction. */
  static attach(db: Database, location: string): StagingFile {
    filesMade += 1;
    const file = path.resolve(`${location}.staging-${process.pid}-${filesMade}`);
    attached.add(file);
    try {
      db.prepare(`ATTACH ? AS ${STAGING_SCHEMA}`).run(file);
      for (const pragma of STAGING_PRAGMAS) db.pragma(pragma);
    } catch (error) {
      removeFile(file);
      throw error;
    }
    return new StagingFile(db, file);
  }

  /** Detaches and removes the file with every staged row in it; outside any transaction. Never throws: a leftover is swept later. */
  remove(): void {
    try {
      this.db.exec(`DETACH ${STAGING_SCHEMA}`);
      removeFile(this.file);
    } catch {
      // Attached still: the file stays until the next sweep, a later run's or another process's.
    } finally {
      attached.delete(this.file);
    }
  }
}

/** Removes the staging files that killed processes (or failed clean-ups of ours) left beside the database at `location`; returns how many. */
export function sweepStagingFiles(location: string): number {
  const folder = path.dirname(location);
  const stale = readdirSync(folder).filter((name) => {
    const match = STAGING_NAME.exec(name);
    const file = path.resolve(folder, name);
    return match?.[1] === path.basename(location) && !attached.has(file) && !isOtherProcessAlive(Number(match[2]));
  });
  for (const name of stale) removeFile(path.resolve(folder, name));
  return stale.length;
}

function removeFile(file: string): void {
  rmSync(file, { force: true });
}
