import { parseArgs } from 'node:util';
import { errorMessage } from '../../errors.js';
import { CYCLE_DIRECTIONS, cycleSchedule, describeCycleSchedule } from '../../profile/cycle-schedule.js';
import { loadProfile } from '../../profile/load.js';
import type { Profile } from '../../profile/profile.js';
import { ExitCode, type CliCommand, type CliIo } from '../command.js';

const USAGE = 'Usage: async-client validate PATH';

/** `store.yaml: profile "Store 0042", channel store-0042, download every 15 minutes, upload on "*\/5 * * * * *"` */
export function summarizeProfile(file: string, profile: Profile): string {
  const schedules = CYCLE_DIRECTIONS.map((direction) => `${direction} ${describeCycleSchedule(cycleSchedule(profile, direction))}`);
  return `${file}: profile ${JSON.stringify(profile.profile.name)}, channel ${profile.channel.id}, ${schedules.join(', ')}`;
}

function usageError(io: CliIo, problem: string): number {
  io.stderr.write(`async-client validate: ${problem}\n${USAGE}\nRun 'async-client validate --help' for details.\n`);
  return ExitCode.usage;
}

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'Check a profile file and print what it schedules',
  help: `${USAGE}

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
    let parsed;
    try {
      parsed = parseArgs({ args: [...args], options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    } catch (error) {
      return usageError(io, errorMessage(error));
    }
    if (parsed.values.help === true) {
      io.stdout.write(validateCommand.help);
      return ExitCode.ok;
    }
    const [file, ...extra] = parsed.positionals;
    if (file === undefined) return usageError(io, 'missing PATH of the profile file');
    if (extra.length > 0) return usageError(io, `expected one PATH, got ${parsed.positionals.length}`);
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
