import { AsyncClientError } from '../../errors.js';

/**
 * The highest revision of each file HQ signed that this store has verified (signature.ts). A
 * file signed with a lower revision is an older copy put back in the working folder, by mistake
 * or to take the store back to settings HQ has since replaced: it is refused, and what runs
 * stays. Kept in the state directory (hq-state.ts), so that a restart still knows.
 * Revision 0 (no pinned key, or a signature from before revisions) is below every floor but 0.
 */
export class SignedRevisions {
  private readonly highest: Map<string, number>;

  constructor(seen: Readonly<Record<string, number>> = {}) {
    this.highest = new Map(Object.entries(seen));
  }

  /** Throws E_HQ_PROFILE_ROLLBACK when `revision` is below the highest verified for `file`; else remembers it. */
  take(file: string, revision: number): void {
    const highest = this.highest.get(file) ?? 0;
    if (revision < highest) {
      throw new AsyncClientError(
        'E_HQ_PROFILE_ROLLBACK',
        `${file} is signed as revision ${revision}, older than revision ${highest} this store already took: an older copy was put back in the working folder; publish the file again from HQ`,
        { file, revision, highest },
      );
    }
    if (revision > highest) this.highest.set(file, revision);
  }

  /** File to highest revision, for the state file. */
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.highest].sort(([a], [b]) => a.localeCompare(b)));
  }
}
