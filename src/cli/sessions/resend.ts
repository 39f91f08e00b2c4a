import { openStoreResources, type StoreResources } from '../../daemon/store-resources.js';
import { errorCode, errorMessage } from '../../errors.js';
import { resendUploadSession, uploadStagingDirectory } from '../../upload/upload-publisher.js';
import { uploadTableConfigs } from '../../upload/upload-tables.js';
import { channelFolders } from '../../workfolder/layout.js';
import { loadProfileOption, PROFILE_OPTION, PROFILE_OPTION_HELP, parseCommandArgs, usageError } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { parseSessionId } from './journal-access.js';

export const resendSessionCommand: CliCommand = {
  name: 'sessions resend',
  summary: 'Publish an Uploaded package again, byte-identical, when HQ asks for it',
  help: `Usage: async-client sessions resend SEQ [--profile PATH]

Publishes upload sequence SEQ again into the working folder's upload area, under the same
file name, when HQ lost or removed it and asks for it again. The package is rebuilt from the
session's recorded counter ranges and must come out byte-identical to the one first
published (the same file sha256 as \`sessions show\` lists); if the rows in those ranges changed
since, or the table's filter or columns did, nothing is published. Watermarks and the
session stay as they are.

Options:
${PROFILE_OPTION_HELP}
  -h, --help           Show this help.

Exit codes: 0 published again, 1 no such upload sequence, not Uploaded yet, the rebuilt
package differs (E_UPLOAD_CONTENT_CHANGED), or the database or working folder failed,
2 usage error.
`,

  async run(args, io) {
    const parsed = parseCommandArgs(resendSessionCommand, args, io, PROFILE_OPTION);
    if (typeof parsed === 'number') return parsed;
    const [sequenceText, ...extra] = parsed.positionals;
    const sequence = parseSessionId(sequenceText);
    if (sequence === undefined)
      return usageError(
        resendSessionCommand,
        io,
        sequenceText === undefined ? 'missing upload sequence SEQ' : `not a sequence number: ${JSON.stringify(sequenceText)}`,
      );
    if (extra.length > 0) return usageError(resendSessionCommand, io, `unexpected argument ${extra[0]}`);
    const profile = await loadProfileOption(parsed.values.profile, io);
    if (typeof profile === 'number') return profile;
    let resources: StoreResources;
    try {
      resources = await openStoreResources(profile);
    } catch (error) {
      io.stderr.write(`async-client sessions resend: cannot start: ${errorMessage(error)} (${errorCode(error)})\n`);
      return ExitCode.failure;
    }
    try {
      const session = await resources.channelDatabase.uploads.findBySequence(sequence);
      if (session === null) {
        io.stderr.write(
          `no upload sequence ${sequence} for channel ${profile.channel.id}: list them with \`async-client sessions list --direction upload\`\n`,
        );
        return ExitCode.failure;
      }
      const built = await resendUploadSession(
        {
          uploads: resources.channelDatabase.uploads,
          workingFolder: resources.workingFolder,
          stagingDirectory: uploadStagingDirectory(profile.stateDirectory),
          tables: uploadTableConfigs(profile.upload),
        },
        session,
      );
      io.stdout.write(
        `upload sequence ${sequence} published again: ${channelFolders(profile.channel.id).upload}/${built.fileName} (${built.size} bytes, file sha256 ${built.checksum}, identical to the first)\n`,
      );
      return ExitCode.ok;
    } catch (error) {
      io.stderr.write(`async-client sessions resend: ${errorMessage(error)} (${errorCode(error)})\n`);
      return ExitCode.failure;
    } finally {
      await resources.close();
    }
  },
};
