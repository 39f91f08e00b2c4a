import { describeHolder, InstanceLock, type LockState } from '../../daemon/instance-lock.js';
import { errorCode, errorMessage } from '../../errors.js';
import {
  type DaemonHealth,
  type DaemonView,
  describeCycleHealth,
  describeHqProfile,
  readableTime,
  readStoreStatus,
  type StoreStatus,
} from '../../observe/store-status.js';
import { CYCLE_DIRECTIONS } from '../../profile/cycle-schedule.js';
import type { Profile } from '../../profile/profile.js';
import { PROFILE_OPTION, PROFILE_OPTION_HELP, parseCommandArgs, usageError } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { withJournal } from '../sessions/journal-access.js';

/** How long to wait for the daemon's /healthz before calling it unreachable. */
const HEALTH_TIMEOUT_MS = 2000;

/** The store's download lock, which the daemon holds while it runs; probed from outside, creating nothing. */
function daemonLock(profile: Profile): Promise<LockState> {
  return InstanceLock.probe(profile.stateDirectory, 'download');
}

/** Asks the running daemon through its /healthz; a refused connection means nothing runs there. */
async function viewDaemon(profile: Profile): Promise<DaemonView> {
  const health = profile.daemon.health;
  if (health === undefined) return { state: 'no-health-port', lock: await daemonLock(profile) };
  const url = `http://${health.host}:${health.port}/healthz`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    return { state: 'answering', health: (await response.json()) as DaemonHealth };
  } catch (error) {
    if (errorCode((error as { cause?: unknown }).cause) === 'ECONNREFUSED') return { state: 'not-running', url };
    const reason = errorCode(error) === 'TimeoutError' ? `no answer within ${HEALTH_TIMEOUT_MS / 1000} s` : errorMessage(error);
    return { state: 'not-answering', url, reason };
  }
}

function daemonLines(daemon: DaemonView): string[] {
  switch (daemon.state) {
    case 'answering':
      return [
        `daemon:   ${daemon.health.state}`,
        ...CYCLE_DIRECTIONS.map((direction) => `  ${`${direction}:`.padEnd(10)}${describeCycleHealth(daemon.health.cycles[direction])}`),
      ];
    case 'not-running':
      return [`daemon:   not running (nothing listens at ${daemon.url})`];
    case 'not-answering':
      return [`daemon:   not answering at ${daemon.url}: ${daemon.reason}`];
    case 'no-health-port':
      return daemon.lock.held
        ? [
            `daemon:   running (${describeHolder(daemon.lock.holder)}); no schedules shown: the profile serves no health port (daemon.health)`,
          ]
        : ["daemon:   not running (no process holds this store's locks)"];
  }
}

function render(status: StoreStatus): string {
  const { download, upload } = status;
  const waiting =
    download.waiting.length === 0
      ? 'nothing waiting'
      : download.waiting.map((w) => `seq ${w.sequence} ${w.status} (tries ${w.tries})`).join(', ');
  const lastUpload =
    upload.lastSequence === null
      ? 'nothing published yet'
      : `last sequence ${upload.lastSequence} ${upload.lastStatus} (${readableTime(upload.lastAt)})`;
  const lines = [
    `${status.channel} (${status.profile})`,
    ...daemonLines(status.daemon),
    `download: applied through sequence ${download.appliedThrough} (last ${readableTime(download.lastAppliedAt)}); ${waiting}`,
    `upload:   ${lastUpload}; ${upload.failed} failed`,
    `hq:       ${describeHqProfile(status.hqProfile)}`,
    ...status.attention.flatMap((item) => [`attention: ${item.problem}`, `    fix: ${item.fix}`]),
  ];
  return `${lines.join('\n')}\n`;
}

export const statusCommand: CliCommand = {
  name: 'status',
  summary: "The store at a glance: the daemon's health, what was applied and published, what needs attention",
  help: `Usage: async-client status [--json] [--profile PATH]

Reads the session journal in the channel database (read-only: it never blocks the daemon
or the POS) and asks the running daemon for its /healthz when the profile serves one. Shows
the daemon's state and schedules, the sequence applied so far, the download packages waiting
and why, the last upload, and every item that needs an operator (a Suspended or failing
package, a failed upload, a daemon that is not running), each with the command that deals
with it. A profile without a health port is not a fault: the daemon part is left out.

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
      const status = await readStoreStatus(db, profile, await viewDaemon(profile));
      io.stdout.write(parsed.values.json === true ? `${JSON.stringify(status, null, 2)}\n` : render(status));
      return status.attention.length === 0 ? ExitCode.ok : ExitCode.failure;
    });
  },
};
