import type { FolderEntry } from '../workfolder/working-folder.js';
import type { DownloadListing } from './download-listing.js';
import type { PackageTurn, PreparedPackage, TurnContext } from './package-turn.js';

/** Small packages (held in memory whole) prepared ahead of their turn at most. */
const SMALL_AHEAD = 8;

/**
 * The packages after the one being applied, staged and verified ahead of their turn, so that
 * their file work overlaps the applies: the next package always, and while they are small
 * (`isSmall`: held in memory, see staging.ts) up to `SMALL_AHEAD`. Nothing is journaled for a
 * prepared package; one never taken is discarded.
 */
export class PreparedAhead {
  private readonly prepared = new Map<number, Promise<PreparedPackage>>();

  constructor(
    private readonly turn: PackageTurn,
    private readonly run: TurnContext,
    private readonly listing: DownloadListing,
    private readonly isSmall: (file: FolderEntry) => boolean,
  ) {}

  /** The package of `sequence`, prepared (now, if it was not yet); the ones after it are set going, earlier ones discarded. */
  async take(sequence: number, file: FolderEntry): Promise<PreparedPackage> {
    for (const [earlier, prepared] of this.prepared) {
      if (earlier >= sequence) continue;
      this.prepared.delete(earlier);
      this.turn.discard(await prepared);
    }
    const own = this.prepared.get(sequence) ?? this.turn.prepare(this.run, file);
    this.prepared.delete(sequence);
    for (let next = sequence + 1; next <= sequence + SMALL_AHEAD; next += 1) {
      const ahead = this.listing.get(next);
      if (ahead === undefined || (next > sequence + 1 && !this.isSmall(ahead))) break;
      if (!this.prepared.has(next)) this.prepared.set(next, this.turn.prepare(this.run, ahead));
    }
    return own;
  }

  /** Discards every package prepared and not taken. */
  async discard(): Promise<void> {
    const left = [...this.prepared.values()];
    this.prepared.clear();
    for (const prepared of left) this.turn.discard(await prepared);
  }
}
