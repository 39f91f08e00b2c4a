import type { FolderEntry } from '../workfolder/working-folder.js';
import type { DownloadListing } from './download-listing.js';
import type { PreparedPackage } from './package-turn.js';

/**
 * Small packages (held in memory whole) prepared ahead of their turn at most. A backlog's tiny
 * packages are read by one file worker, one at a time, on a core the telling shares: with
 * sixteen in flight instead of eight the applies waited less for them (docs/benchmarks.md,
 * issue 10, fourteenth round).
 */
export const SMALL_AHEAD = 16;
/** What the small packages prepared ahead may hold at most: eight of the largest size held. */
export const SMALL_AHEAD_BYTES = 8 * 1024 * 1024;

/** What preparing ahead needs: a package turn's `prepare` and `discard`, for one run. */
export interface Preparer {
  prepare(file: FolderEntry): Promise<PreparedPackage>;
  discard(prepared: PreparedPackage): void;
}

/**
 * The packages after the one being applied, staged and verified ahead of their turn, so that
 * their file work overlaps the applies: the next package always, and while they are small
 * (`isSmall`: held in memory, see staging.ts) up to `SMALL_AHEAD` of them, as long as their
 * sizes add up to at most `SMALL_AHEAD_BYTES`, topped up once half of them are taken. Nothing is
 * journaled for a prepared package; one never taken is discarded.
 */
export class PreparedAhead {
  private readonly prepared = new Map<number, Promise<PreparedPackage>>();

  constructor(
    private readonly preparer: Preparer,
    private readonly listing: DownloadListing,
    private readonly isSmall: (file: FolderEntry) => boolean,
  ) {}

  /** The package of `sequence`, prepared (now, if it was not yet); the ones after it are set going, earlier ones discarded. */
  async take(sequence: number, file: FolderEntry): Promise<PreparedPackage> {
    for (const [earlier, prepared] of this.prepared) {
      if (earlier >= sequence) continue;
      this.prepared.delete(earlier);
      this.preparer.discard(await prepared);
    }
    const own = this.prepared.get(sequence) ?? this.preparer.prepare(file);
    this.prepared.delete(sequence);
    // Topped up by half a window at a time: the reads set going together go to the file worker in one message.
    if (this.prepared.has(sequence + 1) && this.prepared.size > SMALL_AHEAD / 2) return own;
    let heldBytes = 0;
    for (let next = sequence + 1; next <= sequence + SMALL_AHEAD; next += 1) {
      const ahead = this.listing.get(next);
      if (ahead === undefined) break;
      const small = this.isSmall(ahead);
      heldBytes += small ? ahead.size : 0;
      if (next > sequence + 1 && (!small || heldBytes > SMALL_AHEAD_BYTES)) break;
      if (!this.prepared.has(next)) this.prepared.set(next, this.preparer.prepare(ahead));
    }
    return own;
  }

  /** Discards every package prepared and not taken. */
  async discard(): Promise<void> {
    const left = [...this.prepared.values()];
    this.prepared.clear();
    for (const prepared of left) this.preparer.discard(await prepared);
  }
}
