import type { DownloadStatus, UploadStatus } from '../channel/session-status.js';
import type { HqProfileStatus } from '../profile/hq/hq-state.js';
import type { CycleResult } from '../schedule/cycle-scheduler.js';

/**
 * What each store tells HQ about itself in `<channel>/heartbeat.json`: a contract with HQ,
 * documented in docs/working-folder.md ("Heartbeat"). A reader takes every 1.x and refuses a
 * newer major version.
 */
export const HEARTBEAT_FORMAT = 'async-client-heartbeat';
export const HEARTBEAT_VERSION = '1.2';
export const HEARTBEAT_FILE = 'heartbeat.json';
/** At most this many waiting packages are listed; `waitingCount` counts them all. */
export const HEARTBEAT_WAITING_LIMIT = 20;

export function heartbeatPath(channelId: string): string {
  return `${channelId}/${HEARTBEAT_FILE}`;
}

/** One cycle as the heartbeat shows it. */
export interface CycleBeat {
  /** `every 15 minutes`, or the cron pattern that overrides the interval. */
  readonly schedule: string;
  readonly last: { readonly outcome: CycleResult['outcome']; readonly summary: string; readonly finishedAt: string } | null;
  readonly nextRun: string | null;
}

/** A download package neither Applied nor Canceled, and why it waits. */
export interface WaitingPackage {
  readonly sequence: number;
  readonly status: DownloadStatus;
  readonly tries: number;
  readonly message: string | null;
}

export interface Heartbeat {
  readonly format: typeof HEARTBEAT_FORMAT;
  readonly formatVersion: string;
  readonly channelId: string;
  /** ISO 8601 UTC time the store wrote this heartbeat. */
  readonly writtenAt: string;
  /** The async-client version the store runs. */
  readonly clientVersion: string;
  readonly profile: { readonly name: string; readonly downloadIntervalMinutes: number; readonly uploadIntervalMinutes: number };
  /**
   * Since 1.1: the profile HQ published for this store that runs, and what the store's last look at
   * HQ's profiles found; since 1.2, which publication runs (`running.revision`, `running.sha256`).
   */
  readonly hqProfile: HqProfileStatus;
  readonly download: CycleBeat & {
    /** The highest Applied sequence, 0 before the first. */
    readonly appliedThrough: number;
    readonly waitingCount: number;
    /** The first waiting packages in sequence order, Suspended and failing ones with their reason. */
    readonly waiting: readonly WaitingPackage[];
  };
  readonly upload: CycleBeat & {
    readonly lastSequence: number | null;
    readonly lastStatus: UploadStatus | null;
    readonly lastAt: string | null;
    /** Upload sessions in UploadFailed. */
    readonly failed: number;
  };
}

/** The file as the store writes it: UTF-8 JSON, one object, a final newline. */
export function heartbeatBytes(heartbeat: Heartbeat): Buffer {
  return Buffer.from(`${JSON.stringify(heartbeat, null, 2)}\n`);
}
