import { systemClock } from '../../schedule/clock.js';
import { PROFILE_OPTION, PROFILE_OPTION_HELP, parseCommandArgs, profilePath, usageError } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { type CheckResult, worstStatus } from '../doctor/check-result.js';
import { runDoctor } from '../doctor/doctor.js';
import { UNIT_FILES } from '../doctor/service-unit.js';

/** Only warnings: the daemon would start, but something deserves a look. */
export const DOCTOR_WARNING_EXIT_CODE = 3;

const OPTIONS = { ...PROFILE_OPTION, json: { type: 'boolean' }, 'quick-check': { type: 'boolean' }, unit: { type: 'string' } } as const;

function render(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((result) => result.check.length));
  return results
    .map((result) => {
      const line = `${result.status.toUpperCase().padEnd(4)}  ${result.check.padEnd(width)}  ${result.detail}`;
      return result.fix === undefined ? line : `${line}\n${' '.repeat(width + 8)}fix: ${result.fix}`;
    })
    .join('\n')
    .concat('\n');
}

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: "Check everything the daemon's start needs, without starting it, and say what to fix",
  help: `Usage: async-client doctor [--profile PATH] [--json] [--quick-check] [--unit FILE]

Runs the daemon's start-up checks without starting it, one line each, OK, WARN or FAIL
with what to do:
  profile         the profile loads (as \`validate\` checks it)
  database        the channel database opens, is writable, with room on its disk
  journal         the session journal's version (this build's, older, or newer: refused)
  upload-tables   each upload table, its counter column and index, its primary key
  quick-check     with --quick-check: SQLite's PRAGMA quick_check (reads the whole file)
  working-folder  reachable, listable, writable (a probe file is written and removed), free space
  clock           the working folder's clock against this machine's (a probe file's time)
  instance        whether a daemon or one-shot cycle runs this store now (its PID)
  health-port     daemon.health's port can be listened on (or is the running daemon's)
  service-unit    the installed async-client.service runs this profile and may write
                  every path it names (ProtectSystem=strict needs ReadWritePaths=)
It creates nothing: a database that does not exist yet is reported, not made.

Options:
${PROFILE_OPTION_HELP}
      --json           One JSON object: {"worst": "ok|warn|fail", "checks": [{"check",
                       "status", "detail", "fix"}]}.
      --quick-check    Also run PRAGMA quick_check on a SQLite channel database.
      --unit FILE      The service unit to check. Default: the first of
                       ${UNIT_FILES.join(',\n                       ')}.
  -h, --help           Show this help.

Exit codes:
  0  every check is OK
  1  at least one check FAILed: the daemon would not start, or not work
  2  usage error
  3  warnings only
`,

  async run(args, io) {
    const parsed = parseCommandArgs(doctorCommand, args, io, OPTIONS);
    if (typeof parsed === 'number') return parsed;
    if (parsed.positionals.length > 0) return usageError(doctorCommand, io, `unexpected argument ${parsed.positionals[0]}`);
    const { json, unit } = parsed.values;
    const results = await runDoctor(profilePath(parsed.values.profile, io), {
      cwd: io.cwd,
      clock: systemClock,
      quickCheck: parsed.values['quick-check'] === true,
      ...(unit === undefined ? {} : { unitFile: unit }),
    });
    const worst = worstStatus(results);
    io.stdout.write(json === true ? `${JSON.stringify({ worst, checks: results }, null, 2)}\n` : render(results));
    return worst === 'fail' ? ExitCode.failure : worst === 'warn' ? DOCTOR_WARNING_EXIT_CODE : ExitCode.ok;
  },
};
