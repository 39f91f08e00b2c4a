import { DOWNLOAD_STATUSES, UPLOAD_STATUSES, type DownloadStatus, type UploadStatus } from '../../channel/session-status.js';
import type { Direction } from '../../package/types.js';
import { PROFILE_OPTION, PROFILE_OPTION_HELP, parseCommandArgs, usageError } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { hasJournal } from '../../observe/store-status.js';
import { withJournal } from './journal-access.js';
import { sessionTable, tagged, toJson, type AnySession } from './session-view.js';

const OPTIONS = {
  ...PROFILE_OPTION,
  direction: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const DIRECTIONS: readonly Direction[] = ['download', 'upload'];

export const listSessionsCommand: CliCommand = {
  name: 'sessions list',
  summary: 'List download and upload sessions, newest first',
  help: `Usage: async-client sessions list [--direction download|upload] [--status S] [--limit N] [--json] [--profile PATH]

Lists the sessions in the channel database's journal, newest sequence first: one line each
with direction, id, sequence, status, tries, last change, file and the last error.

Options:
      --direction D    download or upload; default both.
      --status S       Only sessions in status S (any case): ${DOWNLOAD_STATUSES.join(', ')} (download),
                       ${UPLOAD_STATUSES.join(', ')} (upload).
      --limit N        At most N sessions per direction (default 50).
      --json           A JSON array of sessions instead of the table.
${PROFILE_OPTION_HELP}
  -h, --help           Show this help.

Exit codes: 0 listed (also when there is none), 1 the profile or database cannot be read, 2 usage error.
`,

  async run(args, io) {
    const parsed = parseCommandArgs(listSessionsCommand, args, io, OPTIONS);
    if (typeof parsed === 'number') return parsed;
    const { direction, status, limit: limitText, json, profile } = parsed.values;
    if (parsed.positionals.length > 0) return usageError(listSessionsCommand, io, `unexpected argument ${parsed.positionals[0]}`);
    if (direction !== undefined && !DIRECTIONS.includes(direction as Direction)) {
      return usageError(listSessionsCommand, io, `--direction must be download or upload, got ${JSON.stringify(direction)}`);
    }
    const limit = limitText === undefined ? 50 : Number(limitText);
    if (!Number.isSafeInteger(limit) || limit < 1)
      return usageError(listSessionsCommand, io, `--limit must be a whole number from 1, got ${JSON.stringify(limitText)}`);
    // Statuses as operators type them: `suspended` is `Suspended`.
    const canonical = (d: Direction): string | undefined => statusesOf(d).find((s) => s.toLowerCase() === status?.toLowerCase());
    const wanted = (direction === undefined ? DIRECTIONS : [direction as Direction]).filter(
      (d) => status === undefined || canonical(d) !== undefined,
    );
    if (wanted.length === 0) {
      const which = direction === undefined ? 'session' : `${direction} session`;
      return usageError(
        listSessionsCommand,
        io,
        `no ${which} can be ${JSON.stringify(status)}: download statuses are ${DOWNLOAD_STATUSES.join(', ')}; upload statuses are ${UPLOAD_STATUSES.join(', ')}`,
      );
    }
    return withJournal(io, profile, 'read', async (db) => {
      const sessions: AnySession[] = [];
      if (hasJournal(db)) {
        if (wanted.includes('download')) {
          const filter = { limit, ...(status === undefined ? {} : { status: canonical('download') as DownloadStatus }) };
          sessions.push(...(await db.downloads.list(filter)).map((s) => tagged('download', s)));
        }
        if (wanted.includes('upload')) {
          const filter = { limit, ...(status === undefined ? {} : { status: canonical('upload') as UploadStatus }) };
          sessions.push(...(await db.uploads.list(filter)).map((s) => tagged('upload', s)));
        }
      }
      io.stdout.write(json === true ? toJson(sessions) : sessionTable(sessions));
      return ExitCode.ok;
    });
  },
};

function statusesOf(direction: Direction): readonly string[] {
  return direction === 'download' ? DOWNLOAD_STATUSES : UPLOAD_STATUSES;
}
