import { PROFILE_OPTION, PROFILE_OPTION_HELP, parseCommandArgs, usageError } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { parseSessionId, withJournal } from './journal-access.js';

export const retrySessionCommand: CliCommand = {
  name: 'sessions retry',
  summary: 'Try a Suspended or ApplyFailed download package again at the next cycle',
  help: `Usage: async-client sessions retry ID [--profile PATH]

Makes download session ID Available again with its tries reset, so that the next download
cycle (the daemon's timer, or \`async-client download --once\`) applies it; the packages
waiting behind it follow. Fix the cause first (the session's message says what failed).

Options:
${PROFILE_OPTION_HELP}
  -h, --help           Show this help.

Exit codes: 0 the session will be tried again, 1 no such session or it is not Suspended or
ApplyFailed (Applied and Canceled are final), 2 usage error.
`,

  async run(args, io) {
    const parsed = parseCommandArgs(retrySessionCommand, args, io, PROFILE_OPTION);
    if (typeof parsed === 'number') return parsed;
    const [idText, ...extra] = parsed.positionals;
    const id = parseSessionId(idText);
    if (id === undefined)
      return usageError(
        retrySessionCommand,
        io,
        idText === undefined ? 'missing session ID' : `not a session ID: ${JSON.stringify(idText)}`,
      );
    if (extra.length > 0) return usageError(retrySessionCommand, io, `unexpected argument ${extra[0]}`);
    return withJournal(io, parsed.values.profile, 'write', async (db) => {
      const session = await db.downloads.retry(id);
      io.stdout.write(
        `download session ${session.id} (sequence ${session.sequence}, ${session.fileName}) is Available again; the next download cycle applies it\n`,
      );
      return ExitCode.ok;
    });
  },
};
