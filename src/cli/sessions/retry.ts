import { createHash } from 'node:crypto';
import type { DownloadSession } from '../../channel/download-journal.js';
import { errorCode, errorMessage } from '../../errors.js';
import type { Profile } from '../../profile/profile.js';
import { channelFolders } from '../../workfolder/layout.js';
import { openWorkingFolder } from '../../workfolder/open.js';
import { PROFILE_OPTION, PROFILE_OPTION_HELP, parseCommandArgs, usageError } from '../args.js';
import { ExitCode, type CliCommand, type CliIo } from '../command.js';
import { parseSessionId, withJournal } from './journal-access.js';

/**
 * Refusals that only other bytes can heal. A pinned key (E_PACKAGE_SIGNATURE) or the
 * channel (E_PACKAGE_CHANNEL) can change in the profile instead, so those may be retried as is.
 */
function failedOnItsBytes(session: DownloadSession): boolean {
  const code = session.errorCode ?? '';
  return code.startsWith('E_PACKAGE_') && code !== 'E_PACKAGE_SIGNATURE' && code !== 'E_PACKAGE_CHANNEL';
}

/** The file sha256 of the session's file as it is in the download area now; undefined when it is not there. */
async function currentFileSha256(profile: Profile, session: DownloadSession): Promise<string | undefined> {
  const folder = await openWorkingFolder(profile.workingFolder);
  try {
    const file = `${channelFolders(profile.channel.id).download}/${session.fileName}`;
    if ((await folder.stat(file)) === undefined) return undefined;
    const hash = createHash('sha256');
    for await (const chunk of await folder.openRead(file)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } finally {
    await folder.close();
  }
}

/** True when retrying would only fail again the same way: the very file that failed verification is still there. */
async function sameBytesAgain(io: CliIo, profile: Profile, session: DownloadSession): Promise<boolean> {
  if (!failedOnItsBytes(session)) return false;
  let current: string | undefined;
  try {
    current = await currentFileSha256(profile, session);
  } catch (error) {
    io.stderr.write(
      `warning: cannot compare ${session.fileName} with the file that failed: ${errorMessage(error)} (${errorCode(error)})\n`,
    );
    return false;
  }
  if (current !== session.checksum) return false;
  io.stderr.write(
    `download session ${session.id} (sequence ${session.sequence}) failed verification (${session.errorCode}: ${session.errorMessage ?? ''}), ` +
      `and ${session.fileName} in the download area is still that same file (file sha256 ${session.checksum}): a retry would fail the same way (E_RETRY_UNCHANGED).\n` +
      `Ask HQ to send the package again (a new file under the same name is taken at once), or give it up: async-client sessions cancel ${session.id} --yes --reason TEXT. --force retries it anyway.\n`,
  );
  return true;
}

export const retrySessionCommand: CliCommand = {
  name: 'sessions retry',
  summary: 'Try a Suspended or ApplyFailed download package again at the next cycle',
  help: `Usage: async-client sessions retry ID [--force] [--profile PATH]

Makes download session ID Available again with its tries reset, so that the next download
cycle (the daemon's timer, or \`async-client download --once\`) applies it; the packages
waiting behind it follow. Fix the cause first (the session's message says what failed).
A package that failed verification of its bytes (damaged, truncated, bad rows) is not
retried while the very same file is still in the download area: only another file from HQ
can pass.

Options:
      --force          Retry even a file that failed verification and did not change.
${PROFILE_OPTION_HELP}
  -h, --help           Show this help.

Exit codes: 0 the session will be tried again, 1 no such session, it is not Suspended or
ApplyFailed (Applied and Canceled are final), or its unchanged file would fail again,
2 usage error.
`,

  async run(args, io) {
    const parsed = parseCommandArgs(retrySessionCommand, args, io, { ...PROFILE_OPTION, force: { type: 'boolean' } });
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
    return withJournal(io, parsed.values.profile, 'write', async (db, profile) => {
      const found = await db.downloads.find(id);
      if (found !== null && parsed.values.force !== true && (await sameBytesAgain(io, profile, found))) return ExitCode.failure;
      const session = await db.downloads.retry(id);
      io.stdout.write(
        `download session ${session.id} (sequence ${session.sequence}, ${session.fileName}) is Available again; the next download cycle applies it\n`,
      );
      return ExitCode.ok;
    });
  },
};
