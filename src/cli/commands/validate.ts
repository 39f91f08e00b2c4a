import { errorMessage } from '../../errors.js';
import { CYCLE_DIRECTIONS, cycleSchedule, describeCycleSchedule } from '../../profile/cycle-schedule.js';
import { loadProfile } from '../../profile/load.js';
import type { Profile } from '../../profile/profile.js';
import { parseCommandArgs, usageError } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';

/** `store.yaml: profile "Store 0042", channel store-0042, download every 15 minutes, upload on "*\/5 * * * * *"` */
function summarizeProfile(file: string, profile: Profile): string {
  const schedules = CYCLE_DIRECTIONS.map((direction) => `${direction} ${describeCycleSchedule(cycleSchedule(profile, direction))}`);
  return `${file}: profile ${JSON.stringify(profile.profile.name)}, channel ${profile.channel.id}, ${schedules.join(', ')}`;
}

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'Check a profile file and print what it schedules',
  help: `Usage: async-client validate PATH

Checks the profile file at PATH: YAML syntax, every field against the profile schema
(config/profile.schema.json), cron patterns and time zones. It does not touch the working
folder or the channel database; the daemon checks those when it starts.

On success prints one line: the profile name, channel id and when each cycle runs.
On failure prints one line per problem on stderr:
  FILE:LINE:COLUMN FIELD: expected WHAT, found WHAT

Options:
  -h, --help   Show this help.

Exit codes:
  0  the profile is valid
  1  the profile is invalid, missing or unreadable
  2  usage error (no PATH, more than one PATH, unknown option)
`,

  async run(args, io) {
    const parsed = parseCommandArgs(validateCommand, args, io, {});
    if (typeof parsed === 'number') return parsed;
    const [file, ...extra] = parsed.positionals;
    if (file === undefined) return usageError(validateCommand, io, 'missing PATH of the profile file');
    if (extra.length > 0) return usageError(validateCommand, io, `expected one PATH, got ${parsed.positionals.length}`);
    try {
      const profile = await loadProfile(file, { cwd: io.cwd });
      io.stdout.write(`${summarizeProfile(file, profile)}\n`);
      return ExitCode.ok;
    } catch (error) {
      io.stderr.write(`${errorMessage(error)}\n`);
      return ExitCode.failure;
    }
  },
};
