import { errorCode, errorMessage } from '../../errors.js';
import { CYCLE_DIRECTIONS, cycleSchedule, describeCycleSchedule } from '../../profile/cycle-schedule.js';
import { loadEffectiveProfile } from '../../profile/hq/effective.js';
import { describeHqLayer, effectiveFields, renderEffectiveFields } from '../../profile/hq/effective-view.js';
import { loadProfile } from '../../profile/load.js';
import { ProfileError } from '../../profile/profile-error.js';
import type { Profile } from '../../profile/profile.js';
import { PROFILE_OPTION, parseCommandArgs, usageError } from '../args.js';
import { ExitCode, type CliCommand, type CliIo } from '../command.js';

/** `store.yaml: profile "Store 0042", channel store-0042, download every 15 minutes, upload on "*\/5 * * * * *"` */
function summarizeProfile(file: string, profile: Profile): string {
  const schedules = CYCLE_DIRECTIONS.map((direction) => `${direction} ${describeCycleSchedule(cycleSchedule(profile, direction))}`);
  return `${file}: profile ${JSON.stringify(profile.profile.name)}, channel ${profile.channel.id}, ${schedules.join(', ')}`;
}

function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** What --json says of a valid profile. */
function validSummary(file: string, profile: Profile): Record<string, unknown> {
  const schedules = Object.fromEntries(
    CYCLE_DIRECTIONS.map((direction) => [direction, describeCycleSchedule(cycleSchedule(profile, direction))]),
  );
  return { valid: true, file, profile: profile.profile.name, channel: profile.channel.id, schedules };
}

/** The store's file with the HQ profile it last adopted: every field and its source. */
async function printEffective(file: string, io: CliIo, json: boolean): Promise<void> {
  const effective = await loadEffectiveProfile(file, { cwd: io.cwd });
  const fields = effectiveFields(effective);
  if (json) {
    writeJson(io, { ...validSummary(file, effective.profile), hqProfile: describeHqLayer(effective), fields });
    return;
  }
  io.stdout.write(`${summarizeProfile(file, effective.profile)}\n${describeHqLayer(effective)}\n\n${renderEffectiveFields(fields)}`);
}

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'Check a profile file and print what it schedules',
  help: `Usage: async-client validate [--profile] PATH [--json]
       async-client validate [--profile] PATH --effective [--json]

Checks the profile file at PATH (given alone or as --profile PATH, as every other command
takes it): YAML syntax, every field against the profile schema
(config/profile.schema.json), cron patterns and time zones. It does not touch the working
folder or the channel database: \`async-client doctor\` checks those.

On success prints one line: the profile name, channel id and when each cycle runs.
On failure prints one line per problem on stderr:
  FILE:LINE:COLUMN FIELD: expected WHAT, found WHAT

With --effective, prints the profile the store runs: the file with the profile HQ published
for it laid over it (the one the daemon last adopted, kept in the state directory), each
field with its value and its source: default, local, HQ:NAME, or override (a field the file
lists in storeOverrides). Precedence: override, then HQ:NAME, then local, then default.

Options:
  -p, --profile PATH   The profile file (the same as PATH alone).
      --effective      Print every field of the effective profile with its source.
      --json           One JSON object on stdout, valid or not: {"valid": true, "profile",
                       "channel", "schedules"} (with --effective also "hqProfile" and
                       "fields": [{"field", "value", "source"}]) or {"valid": false, "code",
                       "message", "issues": [{"file", "line", "column", "field", "expected", "found"}]}.
  -h, --help           Show this help.

Exit codes:
  0  the profile is valid
  1  the profile is invalid, missing or unreadable
  2  usage error (no PATH, more than one PATH, unknown option)
`,

  async run(args, io) {
    const parsed = parseCommandArgs(validateCommand, args, io, {
      ...PROFILE_OPTION,
      json: { type: 'boolean' },
      effective: { type: 'boolean' },
    });
    if (typeof parsed === 'number') return parsed;
    const files = [...(parsed.values.profile === undefined ? [] : [parsed.values.profile]), ...parsed.positionals];
    const [file] = files;
    if (file === undefined) return usageError(validateCommand, io, 'missing PATH of the profile file');
    if (files.length > 1) return usageError(validateCommand, io, `expected one PATH, got ${files.length}`);
    const json = parsed.values.json === true;
    try {
      if (parsed.values.effective === true) {
        await printEffective(file, io, json);
        return ExitCode.ok;
      }
      const profile = await loadProfile(file, { cwd: io.cwd });
      if (json) writeJson(io, validSummary(file, profile));
      else io.stdout.write(`${summarizeProfile(file, profile)}\n`);
      return ExitCode.ok;
    } catch (error) {
      if (json) {
        const issues = error instanceof ProfileError ? error.issues : [];
        writeJson(io, { valid: false, file, code: errorCode(error), message: errorMessage(error), issues });
      } else {
        io.stderr.write(`${errorMessage(error)}\n`);
      }
      return ExitCode.failure;
    }
  },
};
