import type { Direction } from '../../package/types.js';
import { PROFILE_OPTION, PROFILE_OPTION_HELP, parseCommandArgs, usageError } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { hasJournal } from '../../observe/store-status.js';
import { parseSessionId, withJournal } from './journal-access.js';
import { sessionDetails, tagged, toJson } from './session-view.js';

const OPTIONS = { ...PROFILE_OPTION, direction: { type: 'string' }, json: { type: 'boolean' } } as const;

export const showSessionCommand: CliCommand = {
  name: 'sessions show',
  summary: 'Show every field of one session',
  help: `Usage: async-client sessions show ID [--direction download|upload] [--json] [--profile PATH]

Shows one session of the journal: its package, status, tries, rows, the last error and the
time of each transition (download: availableAt, downloadedAt, appliedAt, failedAt,
suspendedAt, canceledAt with canceledBy and cancelReason).

Options:
      --direction D    download (default) or upload: the two directions number their
                       sessions separately.
      --json           One JSON object instead of name: value lines.
${PROFILE_OPTION_HELP}
  -h, --help           Show this help.

Exit codes: 0 shown, 1 no such session or the database cannot be read, 2 usage error.
`,

  async run(args, io) {
    const parsed = parseCommandArgs(showSessionCommand, args, io, OPTIONS);
    if (typeof parsed === 'number') return parsed;
    const { direction = 'download', json, profile } = parsed.values;
    const [idText, ...extra] = parsed.positionals;
    const id = parseSessionId(idText);
    if (id === undefined)
      return usageError(
        showSessionCommand,
        io,
        idText === undefined ? 'missing session ID' : `not a session ID: ${JSON.stringify(idText)}`,
      );
    if (extra.length > 0) return usageError(showSessionCommand, io, `unexpected argument ${extra[0]}`);
    if (direction !== 'download' && direction !== 'upload')
      return usageError(showSessionCommand, io, `--direction must be download or upload, got ${JSON.stringify(direction)}`);
    return withJournal(io, profile, 'read', async (db) => {
      const found = !hasJournal(db) ? null : direction === 'download' ? await db.downloads.find(id) : await db.uploads.find(id);
      if (found === null) {
        io.stderr.write(`no ${direction} session ${id}: list them with \`async-client sessions list\`\n`);
        return ExitCode.failure;
      }
      const session = tagged(direction as Direction, found);
      io.stdout.write(json === true ? toJson(session) : sessionDetails(session));
      return ExitCode.ok;
    });
  },
};
