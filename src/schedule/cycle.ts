import type { Registry } from 'prom-client';
import type { ChannelDatabase } from '../channel/channel-database.js';
import type { Logger } from '../observe/logger.js';
import type { Direction } from '../package/types.js';
import type { Profile } from '../profile/profile.js';
import type { WorkingFolder } from '../workfolder/working-folder.js';
import type { Clock } from './clock.js';

/** What the daemon hands each cycle: the two ports, the live profile, and the observers. */
export interface CycleDeps {
  readonly channelDatabase: ChannelDatabase;
  readonly workingFolder: WorkingFolder;
  /** The profile in force: a reload changes it between runs. */
  readonly profile: () => Profile;
  readonly log: Logger;
  /** The cycle registers its metrics here, once. */
  readonly registry: Registry;
  readonly clock: Clock;
}

/** What one run of a cycle did: for the `cycle.finished` log line, the metrics and systemd's STATUS=. */
export interface CycleReport {
  /** `idle`: nothing to do; `done`: work done; `failed`: a session failed (the journal says which and why). */
  readonly outcome: 'idle' | 'done' | 'failed';
  /** One short line for `systemctl status` and `/healthz`, e.g. `applied 3 packages (seq 14-16)`. */
  readonly summary: string;
  /** Structured fields added to the `cycle.finished` log line. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/**
 * One direction's work, run by the scheduler (and by `async-client download --once`).
 * The scheduler guarantees a cycle never overlaps itself.
 */
export interface Cycle {
  readonly direction: Direction;
  /**
   * Runs once. `signal` aborts at shutdown: finish the package in hand, start no other.
   * Throws only for failures outside any session (the scheduler logs and counts them).
   */
  run(signal: AbortSignal): Promise<CycleReport>;
}
