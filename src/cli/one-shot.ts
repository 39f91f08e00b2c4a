import { Registry } from 'prom-client';
import { openStoreResources, type StoreResources } from '../daemon/store-resources.js';
import { errorCode, errorMessage } from '../errors.js';
import { systemClock } from '../schedule/clock.js';
import type { Direction } from '../package/types.js';
import type { Cycle, CycleDeps, CycleReport } from '../schedule/cycle.js';
import { loadProfileOption, PROFILE_OPTION, PROFILE_OPTION_HELP, parseCommandArgs, usageError } from './args.js';
import { ExitCode, type CliCommand, type CliIo } from './command.js';
import { takeStopSignals } from './early-signals.js';
import { commandLogger, LOG_FORMAT_OPTION, LOG_FORMAT_OPTION_HELP } from './log-format.js';

/** A one-shot cycle that ended blocked on something it cannot resolve itself (`report.fields.waiting`). */
export const WAITING_EXIT_CODE = 3;

const ONE_SHOT_OPTIONS = { ...PROFILE_OPTION, ...LOG_FORMAT_OPTION, once: { type: 'boolean' } } as const;

/** The options and exit codes every `<cycle> --once` command shares, for its --help. */
export const ONE_SHOT_HELP = `Options:
      --once           Run one cycle now, in the foreground (required: the daemon,
                       \`async-client run\`, runs the cycles on their schedule).
${PROFILE_OPTION_HELP}
${LOG_FORMAT_OPTION_HELP}
  -h, --help           Show this help.

Output: the cycle's summary on stdout; the daemon's events on stderr, one readable line each
on a terminal, JSON lines otherwise (--log-format chooses).
SIGINT or SIGTERM stops the cycle between two packages. Refused (exit 1, naming the PID)
while the daemon or another one-shot run runs the same cycle for this store.`;

/**
 * Runs one cycle of `createCycle` in the foreground, as the daemon would run it: load the
 * profile, take the direction's lock and open and check the store's database and working
 * folder (openStoreResources), run once, close. The exit code says what happened: 0 work done or nothing to do, 1 a failure
 * (a session failed, or the run could not start or finish), 2 usage, 3 waiting
 * (`report.fields.waiting`: a gap, a Suspended package, a retry not yet due).
 */
export async function runCycleOnce(
  command: CliCommand,
  direction: Direction,
  args: readonly string[],
  io: CliIo,
  createCycle: (deps: CycleDeps) => Cycle,
): Promise<number> {
  const stop = new AbortController();
  const abort = (): void => stop.abort();
  takeStopSignals(abort);
  try {
    return await runOnce(command, direction, args, io, createCycle, stop.signal);
  } finally {
    process.off('SIGINT', abort).off('SIGTERM', abort);
  }
}

async function runOnce(
  command: CliCommand,
  direction: Direction,
  args: readonly string[],
  io: CliIo,
  createCycle: (deps: CycleDeps) => Cycle,
  stopped: AbortSignal,
): Promise<number> {
  const parsed = parseCommandArgs(command, args, io, ONE_SHOT_OPTIONS);
  if (typeof parsed === 'number') return parsed;
  if (parsed.positionals.length > 0) return usageError(command, io, `unexpected argument ${parsed.positionals[0]}`);
  if (parsed.values.once !== true)
    return usageError(command, io, 'only --once is supported here; `async-client run` runs the cycles on their schedule');

  const logger = commandLogger(command, io, 'stderr', parsed.values['log-format']);
  if (typeof logger === 'number') return logger;
  const profile = await loadProfileOption(parsed.values.profile, io);
  if (typeof profile === 'number') return profile;
  const log = logger(profile.log.level);
  let resources: StoreResources;
  try {
    resources = await openStoreResources(profile, {
      lock: { directions: [direction], command: `${direction} --once` },
      onFolderWorkerFailure: (error) => log.warn({ code: error.code, message: error.message }, 'workfolder.worker_failed'),
    });
  } catch (error) {
    io.stderr.write(`async-client ${command.name}: cannot start: ${errorMessage(error)} (${errorCode(error)})\n`);
    return ExitCode.failure;
  }
  try {
    const cycle = createCycle({ ...resources, profile: () => profile, log, registry: new Registry(), clock: systemClock });
    const report = await cycle.run(stopped);
    log.info({ direction: cycle.direction, outcome: report.outcome, summary: report.summary, ...report.fields }, 'cycle.finished');
    io.stdout.write(`${cycle.direction}: ${report.summary}\n`);
    return exitCodeOf(report);
  } catch (error) {
    log.error({ code: errorCode(error), message: errorMessage(error) }, 'cycle.failed');
    io.stderr.write(`async-client ${command.name}: ${errorMessage(error)} (${errorCode(error)})\n`);
    return ExitCode.failure;
  } finally {
    await resources.close();
  }
}

function exitCodeOf(report: CycleReport): number {
  if (report.outcome === 'failed') return ExitCode.failure;
  return report.fields?.waiting === undefined ? ExitCode.ok : WAITING_EXIT_CODE;
}
