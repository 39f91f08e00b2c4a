import type { DownloadStatus } from './session-status.js';

/** Our record of one download package, from the moment we first see it. */
export interface DownloadSession {
  readonly id: number;
  readonly channelId: string;
  readonly sequence: number;
  readonly jobId: string;
  readonly fileName: string;
  readonly size: number;
  /** SHA-256 of the package file, lowercase hex. */
  readonly checksum: string;
  readonly status: DownloadStatus;
  /** Failed apply attempts since the session was recorded or last retried by an operator. */
  readonly tries: number;
  /** Package rows that changed a row, per table; empty until Applied. */
  readonly rowsAffected: Readonly<Record<string, number>>;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  /** When the cycle may try again after ApplyFailed; null means now. */
  readonly nextTryAt: Date | null;
  readonly availableAt: Date;
  readonly downloadedAt: Date | null;
  readonly appliedAt: Date | null;
  readonly failedAt: Date | null;
  readonly suspendedAt: Date | null;
  readonly canceledAt: Date | null;
  readonly canceledBy: string | null;
  readonly cancelReason: string | null;
  readonly updatedAt: Date;
}

/** What the cycle knows of a package when it first sees it in the working folder. */
export interface SeenPackage {
  readonly sequence: number;
  readonly jobId: string;
  readonly fileName: string;
  readonly size: number;
  readonly checksum: string;
}

export interface SessionFailure {
  readonly code: string;
  readonly message: string;
}

export interface SessionListFilter<S extends string> {
  readonly status?: S;
  /** Newest first; default 50. */
  readonly limit?: number;
}

/**
 * The download half of the session journal, scoped to the channel the database was opened
 * for. Each call is one transaction. Status changes follow `session-status.ts`; a change
 * it forbids throws `E_SESSION_TRANSITION`, an unknown id `E_SESSION_NOT_FOUND`.
 * `Applied` is reached only through `ChannelDatabase.applyPackage`, with the rows.
 */
export interface DownloadJournal {
  /**
   * Records a package as Available, or returns the session already recorded for the same
   * sequence and checksum. Another checksum for a sequence that is Applied or still
   * pending throws `E_SEQUENCE_CONFLICT` (cancel the pending one to accept the new file);
   * a sequence whose sessions are all Canceled takes the new package.
   */
  record(pkg: SeenPackage): Promise<DownloadSession>;
  /**
   * Records a package staged locally, complete and verified, as `record` does, and marks its
   * session Downloaded, in one transaction.
   */
  recordDownloaded(pkg: SeenPackage): Promise<DownloadSession>;
  /** An apply or verification failed; counts a try. The caller computes the backoff. */
  markApplyFailed(id: number, failure: SessionFailure, nextTryAt: Date | null): Promise<DownloadSession>;
  /** The try limit is reached (or the failure cannot heal by itself): later packages wait. */
  markSuspended(id: number, failure?: SessionFailure): Promise<DownloadSession>;
  /** An operator gives up on a package that is not Applied; later packages may proceed. */
  cancel(id: number, by: string, reason: string): Promise<DownloadSession>;
  /** An operator asks for a Suspended or ApplyFailed package to be tried again now, tries reset. */
  retry(id: number): Promise<DownloadSession>;
  find(id: number): Promise<DownloadSession | null>;
  /** The newest session recorded for this sequence (older ones can only be Canceled). */
  findBySequence(sequence: number): Promise<DownloadSession | null>;
  list(filter?: SessionListFilter<DownloadStatus>): Promise<DownloadSession[]>;
  /** The highest Applied sequence, 0 when nothing was applied yet. */
  highestApplied(): Promise<number>;
  /** Sessions neither Applied nor Canceled, in sequence order: the cycle's work list. */
  pending(): Promise<DownloadSession[]>;
  /**
   * Journal retention: removes up to `limit` Applied or Canceled sessions last changed before
   * `olderThan`, oldest first, and never one at or above the highest Applied sequence (which
   * says where the next package starts). Returns how many went; one short transaction.
   */
  prune(olderThan: Date, limit: number): Promise<number>;
}
