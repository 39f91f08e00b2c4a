import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AsyncClientError, errorMessage } from '../../errors.js';
import { isProfileName, parsePublishedProfile } from '../../profile/hq/published-profile.js';
import { digestShown, profileDigest } from '../../profile/hq/hq-state.js';
import { PUBLISHED_FILE_LIMIT_BYTES, publishedProfileFile } from '../../profile/hq/published-files.js';
import { parseCommandArgs } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { requireOption, singlePositional, UsageError } from '../package/usage.js';
import { openWorkingFolderOption, WORKING_FOLDER_OPTION, WORKING_FOLDER_OPTION_HELP } from '../working-folder-option.js';
import { SIGNING_OPTIONS, SIGNING_OPTIONS_HELP, signedAs, signingKeyOption, writeSigned } from './signing.js';

export const publishCommand: CliCommand = {
  name: 'profile publish',
  summary: 'check a profile and publish it for the stores assigned to it',
  help: `Usage: async-client profile publish FILE --name NAME --sign-key PEM --working-folder PATH|URL

Checks FILE as a published profile (the sections profile, schedule, download and upload of
the store profile; never paths, credentials or the channel id) and writes it as
profiles/NAME.yaml in the working folder with its signature profiles/NAME.yaml.sig, each
atomically. Each publication is signed with a newer revision: a store that took it refuses
an older copy put back. The stores assigned to NAME (profile assign) adopt it at their next
download cycle. A profile with a problem is refused with FILE:LINE:COLUMN and nothing is
written.

Options:
  --name NAME                 The profile's name: 1 to 64 letters, digits, '_' or '-' (not "assignments").
${SIGNING_OPTIONS_HELP}
${WORKING_FOLDER_OPTION_HELP}
  -h, --help                  Show this help.

Exit codes: 0 published, 1 refused or failed (the reason is printed), 2 usage error.
`,
  async run(args, io) {
    const parsed = parseCommandArgs(publishCommand, args, io, { name: { type: 'string' }, ...SIGNING_OPTIONS, ...WORKING_FOLDER_OPTION });
    if (typeof parsed === 'number') return parsed;
    const { values, positionals } = parsed;
    const input = singlePositional(positionals, 'profile FILE');
    const name = requireOption(values.name, '--name');
    if (!isProfileName(name))
      throw new UsageError(`--name ${JSON.stringify(name)} is not a profile name: 1 to 64 letters, digits, '_' or '-', not "assignments"`);
    const privateKeyPem = await signingKeyOption(values, io);
    const bytes = await readInput(path.resolve(io.cwd, input));
    const text = bytes.toString('utf8');
    parsePublishedProfile(name, input, text);
    const folder = await openWorkingFolderOption(values['working-folder'], io);
    try {
      const file = publishedProfileFile(name);
      const revision = await writeSigned(folder, file, bytes, privateKeyPem);
      // What `fleet status` shows for the stores running it: the revision, or for an unsigned one, its digest.
      io.stdout.write(`published ${file}${signedAs(file, revision, digestShown(profileDigest(text)))} in ${folder.describe()}\n`);
    } finally {
      await folder.close();
    }
    return ExitCode.ok;
  },
};

async function readInput(file: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new AsyncClientError(
      'E_PROFILE_NOT_FOUND',
      `cannot read the profile ${file}: ${errorMessage(error)}`,
      { file },
      { cause: error },
    );
  }
  if (bytes.length > PUBLISHED_FILE_LIMIT_BYTES) {
    throw new AsyncClientError(
      'E_HQ_PROFILE_TOO_LARGE',
      `${file} is larger than ${PUBLISHED_FILE_LIMIT_BYTES} bytes, which no profile is`,
      { file },
    );
  }
  return bytes;
}
