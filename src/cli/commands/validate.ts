import { errorMessage } from '../../errors.js';
import { CYCLE_DIRECTIONS, cycleSchedule, describeCycleSchedule } from '../../profile/cycle-schedule.js';
import { loadEffectiveProfile } from '../../profile/hq/effective.js';
import { describeHqLayer, effectiveFields, renderEffectiveFields } from '../../profile/hq/effective-view.js';
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
  help: `Usage: async-client validate [--effective] PATH

Checks the profile file at PATH: YAML syntax, every field against the profile schema
(config/profile.schema.json), cron patterns and time zones. It does not touch the working
folder or the channel database; the daemon checks those when it starts.

On success prints one line: the profile name, channel id and when each cycle runs.
On failure prints one line per problem on stderr:
  FILE:LINE:COLUMN FIELD: expected WHAT, found WHAT

With --effective, prints the profile the store runs: the file with the profile HQ published
for it laid over it (the one the daemon last adopted, kept in the state directory), each
field with its value and its source: default, local, HQ:NAME, or override (a field the file
lists in storeOverrides). Precedence: override, then HQ:NAME, then local, then default.

Options:
      --effective   Print every field of the effective profile with its source.
  -h, --help        Show this help.

Exit codes:
  0  the profile is valid
  1  the profile is invalid, missing or unreadable
  2  usage error (no PATH, more than one PATH, unknown option)
`,

  async run(args, io) {
    const parsed = parseCommandArgs(validateCommand, args, io, { effective: { type: 'boolean' } });
    if (typeof parsed === 'number') return parsed;
    const [file, ...extra] = parsed.positionals;
    if (file === undefined) return usageError(validateCommand, io, 'missing PATH of the profile file');
    if (extra.length > 0) return usageError(validateCommand, io, `expected one PATH, got ${parsed.positionals.length}`);
    try {
      if (parsed.values.effective !== true) {
        io.stdout.write(`${summarizeProfile(file, await loadProfile(file, { cwd: io.cwd }))}\n`);
        return ExitCode.ok;
      }
      const effective = await loadEffectiveProfile(file, { cwd: io.cwd });
      io.stdout.write(`${summarizeProfile(file, effective.profile)}\n${describeHqLayer(effective)}\n\n`);
      io.stdout.write(renderEffectiveFields(effectiveFields(effective)));
      return ExitCode.ok;
    } catch (error) {
      io.stderr.write(`${errorMessage(error)}\n`);
      return ExitCode.failure;
    }
  },
};
