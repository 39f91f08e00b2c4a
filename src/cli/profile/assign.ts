import { AsyncClientError } from '../../errors.js';
import { ASSIGNMENT_PATTERN, assignInText, Assignments } from '../../profile/hq/assignments.js';
import { isProfileName } from '../../profile/hq/published-profile.js';
import { ASSIGNMENTS_FILE, publishedProfileFile, readPublishedFile } from '../../profile/hq/published-files.js';
import { parseCommandArgs } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { UsageError } from '../package/usage.js';
import { openWorkingFolderOption, WORKING_FOLDER_OPTION, WORKING_FOLDER_OPTION_HELP } from '../working-folder-option.js';
import { SIGNING_OPTIONS, SIGNING_OPTIONS_HELP, signedAs, signingKeyOption, writeSigned } from './signing.js';

export const assignCommand: CliCommand = {
  name: 'profile assign',
  summary: 'assign a store, or every store a glob matches, to a published profile',
  help: `Usage: async-client profile assign CHANNEL|GLOB NAME --sign-key PEM --working-folder PATH|URL

Sets CHANNEL (a channel id) or GLOB (* any run of characters, ? one character) to the
published profile NAME in profiles/assignments.yaml, keeping the other entries and their
comments, and signs the file again. NAME must already be published (profile publish).
When several entries match a store: an exact channel id wins, else the glob with the most
literal characters, else the one listed first. The file is signed with a newer revision
each time, as profile publish does.

Options:
${SIGNING_OPTIONS_HELP}
${WORKING_FOLDER_OPTION_HELP}
  -h, --help                  Show this help.

Exit codes: 0 assigned, 1 refused or failed (the reason is printed), 2 usage error.
`,
  async run(args, io) {
    const parsed = parseCommandArgs(assignCommand, args, io, { ...SIGNING_OPTIONS, ...WORKING_FOLDER_OPTION });
    if (typeof parsed === 'number') return parsed;
    const { values, positionals } = parsed;
    if (positionals.length !== 2) throw new UsageError(`expected CHANNEL|GLOB and NAME, got ${positionals.length} arguments`);
    const [pattern = '', name = ''] = positionals;
    if (!ASSIGNMENT_PATTERN.test(pattern))
      throw new UsageError(`${JSON.stringify(pattern)} is not a channel id or glob: 1 to 64 letters, digits, '_', '-', '*' or '?'`);
    if (!isProfileName(name))
      throw new UsageError(`${JSON.stringify(name)} is not a profile name: 1 to 64 letters, digits, '_' or '-', not "assignments"`);
    const privateKeyPem = await signingKeyOption(values, io);
    const folder = await openWorkingFolderOption(values['working-folder'], io);
    try {
      if ((await folder.stat(publishedProfileFile(name))) === undefined) {
        throw new AsyncClientError(
          'E_HQ_PROFILE_MISSING',
          `no profile ${name} in ${folder.describe()} (${publishedProfileFile(name)}); publish it first with profile publish`,
          { name },
        );
      }
      const current =
        (await folder.stat(ASSIGNMENTS_FILE)) === undefined ? '' : (await readPublishedFile(folder, ASSIGNMENTS_FILE)).toString('utf8');
      if (current !== '') Assignments.parse(ASSIGNMENTS_FILE, current);
      const next = assignInText(current, pattern, name);
      const assignments = Assignments.parse(ASSIGNMENTS_FILE, next);
      const revision = await writeSigned(folder, ASSIGNMENTS_FILE, Buffer.from(next, 'utf8'), privateKeyPem);
      const entries = assignments.entries.length === 1 ? '1 entry' : `${assignments.entries.length} entries`;
      io.stdout.write(
        `assigned ${pattern} to ${name} in ${ASSIGNMENTS_FILE} (${entries})${signedAs(ASSIGNMENTS_FILE, revision)} in ${folder.describe()}\n`,
      );
    } finally {
      await folder.close();
    }
    return ExitCode.ok;
  },
};
