import { resolve } from 'node:path';
import { readFleet } from '../../fleet/fleet-view.js';
import { renderFleetHtml } from '../../fleet/fleet-html.js';
import { renderFleetText } from '../../fleet/fleet-text.js';
import { parseCommandArgs, usageError } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { writeFileAtomically } from '../../local-files/atomic-file.js';
import { UsageError } from '../package/usage.js';
import { openWorkingFolderOption, WORKING_FOLDER_OPTION, WORKING_FOLDER_OPTION_HELP } from '../working-folder-option.js';

const DEFAULT_CONCURRENCY = 32;

function wholeNumber(value: string | undefined, flag: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`${flag} must be a whole number of at least 1`);
  return number;
}

export const fleetStatusCommand: CliCommand = {
  name: 'fleet status',
  summary: 'every store at a glance, from heartbeats and status reports',
  help: `Usage: async-client fleet status --working-folder PATH|URL [--json] [--html FILE] [options]

HQ's view of its stores: one line per store folder of the working folder, worst first, read
from each store's heartbeat.json and download area (docs/working-folder.md, Heartbeat): alive
or silent for how long, applied through which sequence and how far behind the newest package
HQ dropped for it, the last upload, Suspended packages with their reason. A store without a
heartbeat is "never-seen"; one whose heartbeat cannot be read is "unreadable", with why.

States, worst first: suspended, unreadable, silent, failing, never-seen (these need someone),
behind, ok.

Options:
${WORKING_FOLDER_OPTION_HELP}
  --json                 the view as one JSON object
  --html FILE            also write the view as a static HTML page (written atomically)
  --silent-after MIN     a heartbeat older than this is silent (default: three of the store's
                         longest cycle intervals, at least 15 minutes)
  --concurrency N        stores read at once (default ${DEFAULT_CONCURRENCY})
  -h, --help             this text

Exit codes: 0 no store needs someone, 1 some store needs someone (or the folder cannot be
read), 2 usage error.
`,
  async run(args, io) {
    const parsed = parseCommandArgs(fleetStatusCommand, args, io, {
      ...WORKING_FOLDER_OPTION,
      json: { type: 'boolean' },
      html: { type: 'string' },
      'silent-after': { type: 'string' },
      concurrency: { type: 'string' },
    });
    if (typeof parsed === 'number') return parsed;
    const { values } = parsed;
    if (parsed.positionals.length > 0) return usageError(fleetStatusCommand, io, `unexpected argument ${parsed.positionals[0]}`);
    const concurrency = wholeNumber(values.concurrency, '--concurrency', DEFAULT_CONCURRENCY) as number;
    const silentAfterMinutes = wholeNumber(values['silent-after'], '--silent-after', undefined);
    const folder = await openWorkingFolderOption(values['working-folder'], io);
    try {
      const fleet = await readFleet(folder, {
        now: new Date(),
        concurrency,
        ...(silentAfterMinutes === undefined ? {} : { silentAfterMinutes }),
      });
      if (values.html !== undefined) await writeFileAtomically(resolve(io.cwd, values.html), renderFleetHtml(fleet));
      io.stdout.write(values.json === true ? `${JSON.stringify(fleet, null, 2)}\n` : renderFleetText(fleet));
      return fleet.attention === 0 ? ExitCode.ok : ExitCode.failure;
    } finally {
      await folder.close();
    }
  },
};
