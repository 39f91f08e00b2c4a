import { statSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { AsyncClientError } from '../errors.js';

/** Room kept for undoing the staging (dropping a shadow) and for the journal to record the failure. */
const UNDO_BYTES = 256 * 1024;

/**
 * Staged rows are committed before the package is applied, so a disk that fills during staging
 * could leave no room to drop them again, nor to record the failure: the WAL only starts over
 * after a checkpoint has copied it into the database file, which takes room of its own. Before
 * each staging transaction after the first, this predicts the transaction's bytes from the
 * bytes per row so far and stops the staging with E_DATABASE_FULL unless the disk holds that
 * twice (in the WAL, then in the database file) plus the WAL so far and a margin.
 */
export class DiskRoom {
  private readonly start: number;
  private rows = 0;

  /** `staging`: the staging file, whose growth counts in the bytes per row with the database's. */
  constructor(
    private readonly location: string,
    private readonly staging: string,
  ) {
    this.start = this.used();
  }

  /** After a staging commit of `rows` rows. */
  committed(rows: number): void {
    this.rows += rows;
  }

  /** Before a staging transaction of `rows` rows. */
  assertRoomFor(rows: number): void {
    if (this.rows === 0) return;
    const bytesPerRow = Math.max(0, this.used() - this.start) / this.rows;
    const needed = fileSize(`${this.location}-wal`) + 2 * bytesPerRow * rows + UNDO_BYTES;
    const { bavail, bsize } = statfsSync(path.dirname(this.location));
    const free = bavail * bsize;
    if (free < needed) {
      throw new AsyncClientError(
        'E_DATABASE_FULL',
        `staging stopped on ${this.location}: ${free} bytes are free on its disk, fewer than the ${Math.ceil(needed)} the next rows and undoing the staging need; free space`,
        { location: this.location, free, needed: Math.ceil(needed) },
      );
    }
  }

  private used(): number {
    return fileSize(this.location) + fileSize(`${this.location}-wal`) + fileSize(this.staging);
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
