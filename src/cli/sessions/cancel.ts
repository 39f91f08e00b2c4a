import { userInfo } from 'node:os';
import { PROFILE_OPTION, PROFILE_OPTION_HELP, parseCommandArgs, usageError } from '../args.js';
import { ExitCode, type CliCommand, type CliIo } from '../command.js';
import { parseSessionId, withJournal } from './journal-access.js';

const OPTIONS = { ...PROFILE_OPTION, yes: { type: 'boolean' }, reason: { type: 'string' }, by: { type: 'string' } } as const;

export const cancelSessionCommand: CliCommand = {
  name: 'sessions cancel',
  summary: 'Give up on a download package that is not Applied; later packages proceed',
  help: `Usage: async-client sessions cancel ID --yes --reason TEXT [--by NAME] [--profile PATH]

Cancels download session ID: its package is never applied, and the packages waiting behind
it go on at the next download cycle, which also moves its file into download/canceled/ and
writes its status report for HQ. The journal keeps who canceled it, when and why. This
cannot be undone: HQ must send the data again (as a new sequence, or as a replacement file
under the same name) if the store still needs it.

Options:
      --yes            Required: confirms the cancel.
      --reason TEXT    Required: why, for the journal and HQ's status report.
      --by NAME        Who cancels; default $SUDO_USER, else $USER, else the OS user.
${PROFILE_OPTION_HELP}
  -h, --help           Show this help.

Exit codes: 0 canceled, 1 no such session or it is already Applied or Canceled,
2 usage error (no ID, no --reason, or no --yes).
`,

  async run(args, io) {
    const parsed = parseCommandArgs(cancelSessionCommand, args, io, OPTIONS);
    if (typeof parsed === 'number') return parsed;
    const { yes, reason, by, profile } = parsed.values;
    const [idText, ...extra] = parsed.positionals;
    const id = parseSessionId(idText);
    if (id === undefined)
      return usageError(
        cancelSessionCommand,
        io,
        idText === undefined ? 'missing session ID' : `not a session ID: ${JSON.stringify(idText)}`,
      );
    if (extra.length > 0) return usageError(cancelSessionCommand, io, `unexpected argument ${extra[0]}`);
    if (reason === undefined || reason.trim() === '')
      return usageError(cancelSessionCommand, io, '--reason TEXT is required: say why, for the journal and HQ');
    if (yes !== true) {
      return usageError(cancelSessionCommand, io, `canceling session ${id} means its package is never applied; add --yes to confirm`);
    }
    const actor = by ?? defaultActor(io);
    return withJournal(io, profile, 'write', async (db) => {
      const session = await db.downloads.cancel(id, actor, reason);
      io.stdout.write(
        `download session ${session.id} (sequence ${session.sequence}, ${session.fileName}) is Canceled by ${actor}; later packages proceed at the next download cycle\n`,
      );
      return ExitCode.ok;
    });
  },
};

/** Who runs the command: $SUDO_USER, $USER, else the OS account of this process (root under a bare `su -c` or a cron job has no $USER). */
function defaultActor(io: CliIo): string {
  const named = io.env.SUDO_USER ?? io.env.USER;
  if (named !== undefined && named !== '') return named;
  try {
    return userInfo().username;
  } catch {
    // No passwd entry for this uid (a container's arbitrary user): the uid is still who it was.
    return `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}
