import type { ChannelDatabase } from '../../channel/channel-database.js';
import { errorMessage } from '../../errors.js';
import { readHqState, type HqProfileStatus } from '../../profile/hq/hq-state.js';
import type { Profile } from '../../profile/profile.js';
import { PROFILE_OPTION, PROFILE_OPTION_HELP, parseCommandArgs, usageError } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { hasJournal, withJournal } from '../sessions/journal-access.js';

/** How long to wait for the daemon's /healthz before calling it unreachable. */
const HEALTH_TIMEOUT_MS = 2000;

/** The store at a glance, as `status` prints it. */
export interface StoreStatus {
  readonly channel: string;
  readonly profile: string;
  /** The running daemon's /healthz answer; a string says why there is none. */
  readonly daemon: Record<string, unknown> | string;
  readonly download: {
    readonly appliedThrough: number;
    readonly lastAppliedAt: Date | null;
    /** Packages neither Applied nor Canceled, in sequence order. */
    readonly waiting: readonly { sequence: number; status: string; tries: number; message: string | null }[];
  };
  readonly upload: {
    readonly lastSequence: number | null;
    readonly lastStatus: string | null;
    readonly lastAt: Date | null;
    readonly failed: number;
  };
  /** Which profile HQ published for this store runs, and what the last look at HQ's profiles found. */
  readonly hqProfile: HqProfileStatus;
  /** What needs an operator; empty when all is well. */
  readonly attention: readonly string[];
}

async function daemonHealth(profile: Profile): Promise<Record<string, unknown> | string> {
  const health = profile.daemon.health;
  if (health === undefined) return 'unknown: the profile serves no /healthz (daemon.health)';
  const url = `http://${health.host}:${health.port}/healthz`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    return (await response.json()) as Record<string, unknown>;
  } catch (error) {
    return `not answering at ${url}: ${errorMessage(error)}`;
  }
}

/** The running daemon's word when it answers, else what it last wrote in the state directory. */
async function hqProfileStatus(daemon: Record<string, unknown> | string, profile: Profile): Promise<HqProfileStatus> {
  if (typeof daemon !== 'string' && typeof daemon.hqProfile === 'object' && daemon.hqProfile !== null)
    return daemon.hqProfile as HqProfileStatus;
  const state = await readHqState(profile.stateDirectory).catch(() => undefined);
  const adopted = state?.adopted ?? null;
  return {
    running: adopted === null ? null : { name: adopted.name, assignedBy: adopted.assignedBy, adoptedAt: adopted.adoptedAt },
    lastCheck: state?.lastCheck ?? null,
  };
}

/** `pilot (assigned by "store-*" since ...); last look: refused (E_HQ_PROFILE_SIGNATURE)` */
function describeHqProfile({ running, lastCheck }: HqProfileStatus): string {
  const runs =
    running === null
      ? "none, the store's file runs alone"
      : `${running.name} (assigned by ${JSON.stringify(running.assignedBy)} since ${running.adoptedAt})`;
  if (lastCheck === null) return `${runs}; HQ's profiles not looked at yet`;
  const code = lastCheck.code === undefined ? '' : ` (${lastCheck.code})`;
  const why = lastCheck.outcome === 'unassigned' && lastCheck.problems?.[0] !== undefined ? `: ${lastCheck.problems[0]}` : '';
  return `${runs}; last look at ${lastCheck.at}: ${lastCheck.outcome}${code}${why}`;
}

async function storeStatus(db: ChannelDatabase, profile: Profile): Promise<StoreStatus> {
  const journal = hasJournal(db);
  const [applied] = journal ? await db.downloads.list({ status: 'Applied', limit: 1 }) : [];
  const waiting = journal ? await db.downloads.pending() : [];
  const [lastUpload] = journal ? await db.uploads.list({ limit: 1 }) : [];
  const failedUploads = journal ? await db.uploads.list({ status: 'UploadFailed' }) : [];
  const daemon = await daemonHealth(profile);
  const hqProfile = await hqProfileStatus(daemon, profile);
  const attention = [
    ...waiting
      .filter((s) => s.status === 'Suspended' || s.status === 'ApplyFailed')
      .map((s) => `download sequence ${s.sequence} is ${s.status}: ${s.errorMessage ?? ''}`),
    ...failedUploads.map((s) => `upload sequence ${s.sequence} is UploadFailed: ${s.errorMessage ?? ''}`),
    ...(typeof daemon === 'string' ? [`daemon ${daemon}`] : daemon.ready === true ? [] : ['daemon is not ready']),
    ...(hqProfile.lastCheck?.outcome === 'refused'
      ? [`HQ's profile for this store is refused (${hqProfile.lastCheck.code ?? ''}): ${(hqProfile.lastCheck.problems ?? []).join('; ')}`]
      : []),
  ];
  return {
    channel: profile.channel.id,
    profile: profile.profile.name,
    daemon,
    download: {
      appliedThrough: journal ? await db.downloads.highestApplied() : 0,
      lastAppliedAt: applied?.appliedAt ?? null,
      waiting: waiting.map((s) => ({ sequence: s.sequence, status: s.status, tries: s.tries, message: s.errorMessage })),
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

function render(status: StoreStatus): string {
  const time = (date: Date | null): string => (date === null ? 'never' : date.toISOString());
  const { download, upload, daemon } = status;
  const daemonLine = typeof daemon === 'string' ? daemon : `${String(daemon.state)}; ${JSON.stringify(daemon.cycles)}`;
  const waiting =
    download.waiting.length === 0
      ? 'nothing waiting'
      : download.waiting.map((w) => `seq ${w.sequence} ${w.status} (tries ${w.tries})`).join(', ');
  const lines = [
    `${status.channel} (${status.profile})`,
    `daemon:   ${daemonLine}`,
    `download: applied through sequence ${download.appliedThrough} (last ${time(download.lastAppliedAt)}); ${waiting}`,
    `hq:       ${describeHqProfile(status.hqProfile)}`,
    `upload:   ${upload.lastSequence === null ? 'nothing published yet' : `last sequence ${upload.lastSequence} ${upload.lastStatus} (${time(upload.lastAt)})`}; ${upload.failed} failed`,
    ...status.attention.map((line) => `attention: ${line}`),
  ];
  return `${lines.join('\n')}\n`;
}

export const statusCommand: CliCommand = {
  name: 'status',
  summary: "The store at a glance: the daemon's health, what was applied and published, what needs attention",
  help: `Usage: async-client status [--json] [--profile PATH]

Reads the session journal in the channel database (read-only: it never blocks the daemon
or the POS) and asks the running daemon for its /healthz when the profile serves one. Shows
the sequence applied so far, the download packages waiting and why, the last upload, and
every item that needs an operator (a Suspended or failing package, a failed upload, a daemon
that does not answer).

Options:
      --json           The same as one JSON object.
${PROFILE_OPTION_HELP}
  -h, --help           Show this help.

Exit codes:
  0  all is well
  1  something needs attention (listed), or the profile or database cannot be read
  2  usage error
`,

  async run(args, io) {
    const parsed = parseCommandArgs(statusCommand, args, io, { ...PROFILE_OPTION, json: { type: 'boolean' } });
    if (typeof parsed === 'number') return parsed;
    if (parsed.positionals.length > 0) return usageError(statusCommand, io, `unexpected argument ${parsed.positionals[0]}`);
    return withJournal(io, parsed.values.profile, 'read', async (db, profile) => {
      const status = await storeStatus(db, profile);
      io.stdout.write(parsed.values.json === true ? `${JSON.stringify(status, null, 2)}\n` : render(status));
      return status.attention.length === 0 ? ExitCode.ok : ExitCode.failure;
    });
  },
};
