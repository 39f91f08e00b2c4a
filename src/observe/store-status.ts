import type { ChannelDatabase } from '../channel/channel-database.js';
import type { Direction } from '../package/types.js';
import { publicationOf, readHqState, runningProfile, type HqProfileStatus } from '../profile/hq/hq-state.js';
import type { Profile } from '../profile/profile.js';
import type { LockState } from '../daemon/instance-lock.js';
import type { HealthReport } from './health-server.js';

/** One cycle as the running daemon sees it (in /healthz; times are ISO strings once they went through JSON). */
export interface CycleHealth {
  readonly schedule: string;
  readonly running: boolean;
  readonly nextRun: Date | string | null;
  readonly last: { readonly outcome: string; readonly summary: string; readonly finishedAt: Date | string } | null;
}

/** The daemon's own /healthz answer. */
export interface DaemonHealth extends HealthReport {
  readonly state: string;
  readonly profile: string;
  readonly channel: string;
  readonly cycles: Readonly<Record<Direction, CycleHealth>>;
  readonly hqProfile?: HqProfileStatus;
}

/** What can be known of the daemon from outside it. */
export type DaemonView =
  | { readonly state: 'answering'; readonly health: DaemonHealth }
  /** Nothing listens on its health port. */
  | { readonly state: 'not-running'; readonly url: string }
  | { readonly state: 'not-answering'; readonly url: string; readonly reason: string }
  /**
   * The profile serves no health port: not a fault, only less to show. Whether the daemon runs
   * is still known from the store's lock, which it holds while it runs.
   */
  | { readonly state: 'no-health-port'; readonly lock: LockState };

/** One thing that needs an operator, and the command that deals with it. */
export interface Attention {
  readonly problem: string;
  readonly fix: string;
}

/** The store at a glance: what `status` prints and the daemon's status page shows. */
export interface StoreStatus {
  readonly channel: string;
  readonly profile: string;
  readonly daemon: DaemonView;
  readonly download: {
    readonly appliedThrough: number;
    readonly lastAppliedAt: Date | null;
    /** Packages neither Applied nor Canceled, in sequence order. */
    readonly waiting: readonly { id: number; sequence: number; status: string; tries: number; message: string | null }[];
  };
  readonly upload: {
    readonly lastSequence: number | null;
    readonly lastStatus: string | null;
    readonly lastAt: Date | null;
    readonly failed: number;
  };
  /** Which profile HQ published for this store runs, and what the last look at HQ's profiles found. */
  readonly hqProfile: HqProfileStatus;
  /** Empty when all is well. */
  readonly attention: readonly Attention[];
}

/** A journal never written has no tables yet: it reads as empty. */
export function hasJournal(db: ChannelDatabase): boolean {
  return db.describe().schemaVersion !== null;
}

/** Reads the session journal (read-only) and puts it beside what is known of the daemon. */
export async function readStoreStatus(db: ChannelDatabase, profile: Profile, daemon: DaemonView): Promise<StoreStatus> {
  const journal = hasJournal(db);
  const [applied] = journal ? await db.downloads.list({ status: 'Applied', limit: 1 }) : [];
  const waiting = journal ? await db.downloads.pending() : [];
  const [lastUpload] = journal ? await db.uploads.list({ limit: 1 }) : [];
  const failedUploads = journal ? await db.uploads.list({ status: 'UploadFailed' }) : [];
  const attention: Attention[] = [];
  for (const session of waiting) {
    const why = session.errorMessage ?? 'no message';
    if (session.status === 'Suspended') {
      attention.push({
        problem: `download sequence ${session.sequence} is Suspended after ${session.tries} tries, and later packages wait behind it: ${why}`,
        fix: `fix the cause, then: async-client sessions retry ${session.id} (or give it up: async-client sessions cancel ${session.id} --yes --reason TEXT)`,
      });
    } else if (session.status === 'ApplyFailed') {
      attention.push({
        problem: `download sequence ${session.sequence} failed (try ${session.tries}; tried again automatically): ${why}`,
        fix: `async-client sessions show ${session.id}`,
      });
    }
  }
  for (const session of failedUploads) {
    attention.push({
      problem: `upload sequence ${session.sequence} is UploadFailed (tried again automatically): ${session.errorMessage ?? 'no message'}`,
      fix: `async-client sessions show ${session.id} --direction upload`,
    });
  }
  attention.push(...daemonAttention(daemon));
  const hqProfile = await hqProfileStatus(daemon, profile);
  attention.push(...hqProfileAttention(hqProfile));
  return {
    channel: profile.channel.id,
    profile: profile.profile.name,
    daemon,
    download: {
      appliedThrough: journal ? await db.downloads.highestApplied() : 0,
      lastAppliedAt: applied?.appliedAt ?? null,
      waiting: waiting.map((s) => ({ id: s.id, sequence: s.sequence, status: s.status, tries: s.tries, message: s.errorMessage })),
    },
    upload: {
      lastSequence: lastUpload?.sequence ?? null,
      lastStatus: lastUpload?.status ?? null,
      lastAt: lastUpload === undefined ? null : (lastUpload.uploadedAt ?? lastUpload.availableAt ?? lastUpload.startedAt),
      failed: failedUploads.length,
    },
    hqProfile,
    attention,
  };
}

/** The running daemon's word when it answers, else what it last wrote in the state directory. */
async function hqProfileStatus(daemon: DaemonView, profile: Profile): Promise<HqProfileStatus> {
  if (daemon.state === 'answering' && daemon.health.hqProfile !== undefined) return daemon.health.hqProfile;
  const state = await readHqState(profile.stateDirectory).catch(() => undefined);
  const adopted = state?.adopted ?? null;
  return {
    running: adopted === null ? null : runningProfile(adopted),
    lastCheck: state?.lastCheck ?? null,
  };
}

function hqProfileAttention({ running, lastCheck }: HqProfileStatus): Attention[] {
  if (lastCheck?.outcome !== 'refused') return [];
  const runs = running === null ? "the store's own file runs" : `${running.name} keeps running`;
  return [
    {
      problem: `HQ's profile for this store is refused (${lastCheck.code ?? 'no code'}), ${runs}: ${(lastCheck.problems ?? []).join('; ')}`,
      fix: 'HQ publishes it again, checked and signed: async-client profile publish (async-client validate --effective shows what runs)',
    },
  ];
}

/** `pilot (assigned by "store-*" since ...); last look at ...: refused (E_HQ_PROFILE_SIGNATURE)` */
export function describeHqProfile({ running, lastCheck }: HqProfileStatus): string {
  const runs =
    running === null
      ? "none, the store's file runs alone"
      : `${running.name}, ${publicationOf(running) ?? 'publication unknown'} (assigned by ${JSON.stringify(running.assignedBy)} since ${readableTime(running.adoptedAt)})`;
  if (lastCheck === null) return `${runs}; HQ's profiles not looked at yet`;
  const code = lastCheck.code === undefined ? '' : ` (${lastCheck.code})`;
  const why = lastCheck.outcome === 'unassigned' && lastCheck.problems?.[0] !== undefined ? `: ${lastCheck.problems[0]}` : '';
  return `${runs}; last look at ${readableTime(lastCheck.at)}: ${lastCheck.outcome}${code}${why}`;
}

function daemonAttention(daemon: DaemonView): Attention[] {
  switch (daemon.state) {
    case 'not-running':
      return [{ problem: `the daemon is not running (nothing listens at ${daemon.url})`, fix: 'sudo systemctl start async-client' }];
    case 'not-answering':
      return [{ problem: `the daemon does not answer at ${daemon.url}: ${daemon.reason}`, fix: 'systemctl status async-client' }];
    case 'answering':
      return daemon.health.ready
        ? []
        : [{ problem: `the daemon is ${daemon.health.state}, not ready`, fix: 'systemctl status async-client' }];
    case 'no-health-port':
      return !daemon.lock.held
        ? [{ problem: "the daemon is not running (no process holds this store's locks)", fix: 'sudo systemctl start async-client' }]
        : [];
  }
}

/** `10:15:00Z`-style times are for machines; a person reads `2026-11-27 16:18:39 UTC`. */
export function readableTime(time: Date | string | null): string {
  if (time === null) return 'never';
  return `${new Date(time).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** One cycle of the daemon in words: `every 15 minutes; last: done (applied 2 packages) at ...; next at ...`. */
export function describeCycleHealth(cycle: CycleHealth): string {
  const last =
    cycle.last === null ? 'not run yet' : `${cycle.last.outcome} (${cycle.last.summary}) at ${readableTime(cycle.last.finishedAt)}`;
  const next = cycle.running ? 'running now' : `next at ${readableTime(cycle.nextRun)}`;
  return `${cycle.schedule}; last: ${last}; ${next}`;
}
