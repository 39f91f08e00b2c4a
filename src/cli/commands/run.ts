import type { Daemon } from '../../daemon/daemon.js';
import { subprocessProfileChecks } from '../../profile/checks/in-subprocess.js';
import type { Logger } from '../../observe/logger.js';
import { errorCode, errorMessage } from '../../errors.js';
import { systemClock } from '../../schedule/clock.js';
import { loadRunningProfileOption, PROFILE_OPTION, PROFILE_OPTION_HELP, parseCommandArgs, usageError } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { takeStopSignals } from '../early-signals.js';
import { commandLogger, LOG_FORMAT_OPTION, LOG_FORMAT_OPTION_HELP } from '../log-format.js';

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'Run the daemon: both cycles on their schedules, until SIGTERM',
  takesStopSignals: true,
  help: `Usage: async-client run [--profile PATH] [--log-format json|pretty]

Runs the store's daemon in the foreground (systemd runs it as a Type=notify service).
Start-up loads the profile, opens and checks the channel database and the working
folder, then schedules the download and upload cycles. Logs go to stdout: one JSON
object per line (journald, pipes), or one readable line per event on a terminal.

Signals:
  SIGHUP           re-read the profile (it is also watched); an invalid edit is logged
                   and the last good profile keeps running
  SIGTERM, SIGINT  stop the timers, let a cycle in flight finish (daemon.shutdownGraceSeconds),
                   close everything, exit; a second one exits at once. A signal
                   that arrives while starting is acted on once the start finished

Options:
${PROFILE_OPTION_HELP}
${LOG_FORMAT_OPTION_HELP}
  -h, --help           Show this help.

Exit codes:
  0  stopped cleanly on a signal
  1  could not start (invalid profile, start-up check failed, another process runs this
     store's cycles: the message names its PID) or a cycle was still
     running when the grace period ended
  2  usage error
`,

  async run(args, io) {
    // Signals are taken from the first moment: one that arrives while starting waits for the start.
    let daemon: Daemon | undefined;
    let log: Logger | undefined;
    const forceExit = (signal: NodeJS.Signals): void => {
      log?.warn({ signal }, 'daemon.forced_exit');
      process.exit(ExitCode.failure);
    };
    const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
      const stop = (signal: NodeJS.Signals): void => {
        process.off('SIGTERM', stop).off('SIGINT', stop).on('SIGTERM', forceExit).on('SIGINT', forceExit);
        resolve(signal);
      };
      takeStopSignals(stop);
    });
    process.on('SIGHUP', () => void daemon?.reload('signal'));

    const parsed = parseCommandArgs(runCommand, args, io, { ...PROFILE_OPTION, ...LOG_FORMAT_OPTION });
    if (typeof parsed === 'number') return parsed;
    if (parsed.positionals.length > 0) return usageError(runCommand, io, `unexpected argument ${parsed.positionals[0]}`);
    const logger = commandLogger(runCommand, io, 'stdout', parsed.values['log-format']);
    if (typeof logger === 'number') return logger;

    // The profile is read and checked in a process of its own while this one loads the daemon's modules.
    const loading = loadRunningProfileOption(parsed.values.profile, io);
    const { Daemon } = await import('../../daemon/daemon.js');
    const effective = await loading;
    if (typeof effective === 'number') return effective;
    log = logger(effective.profile.log.level);

    try {
      daemon = await Daemon.start({ effective, checks: subprocessProfileChecks, log, clock: systemClock, env: io.env });
    } catch (error) {
      log.fatal({ code: errorCode(error), message: errorMessage(error) }, 'daemon.start_failed');
      io.stderr.write(`async-client: cannot start: ${errorMessage(error)} (${errorCode(error)})\n`);
      return ExitCode.failure;
    }
    const signal = await stopSignal;
    let clean = false;
    try {
      clean = await daemon.stop(signal);
    } catch (error) {
      log.error({ code: errorCode(error), message: errorMessage(error) }, 'daemon.stop_failed');
    }
    // A cycle still running past the grace period would keep the process alive. Its package
    // was not committed, and SQLite rolls an uncommitted transaction back when the process ends.
    if (!clean) process.exit(ExitCode.failure);
    return ExitCode.ok;
  },
};
