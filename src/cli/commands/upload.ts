import { openChannelDatabase } from '../../channel/open.js';
import { errorCode, errorMessage } from '../../errors.js';
import { setUploadWatermark } from '../../upload/set-watermark.js';
import { createUploadCycle } from '../../upload/upload-cycle.js';
import { loadProfileOption, PROFILE_OPTION, parseCommandArgs, usageError } from '../args.js';
import { ExitCode, type CliCommand, type CliIo } from '../command.js';
import { releaseStopSignals } from '../early-signals.js';
import { ONE_SHOT_HELP, runCycleOnce } from '../one-shot.js';

const SET_WATERMARK = '--set-watermark';

export const uploadCommand: CliCommand = {
  name: 'upload',
  summary: 'Publish the new channel rows to the working folder, once, in the foreground',
  takesStopSignals: true,
  help: `Usage: async-client upload --once [--profile PATH] [--log-format json|pretty]
       async-client upload --set-watermark TABLE=COUNTER [--profile PATH]

Runs one upload cycle, as the daemon does on its timer: first publishes any upload left
unfinished (a crash, a failed try: same sequence, same rows, same bytes), then takes each
configured table's rows past its watermark in one read snapshot, at most
upload.maxRowsPerPackage rows per package, and publishes them as packages in sequence into
the working folder's upload area (<channel>/upload/). Watermarks move only once a package
is durably there. A table whose counter went backwards (a restored backup) is held back
until an operator sets its watermark; the other tables go on.

--set-watermark TABLE=COUNTER
                       The operator's answer to a held table: uploads of TABLE go on with
                       the rows whose counter is above COUNTER, and TABLE is no longer
                       held. Check first what HQ already has (\`sessions list --direction
                       upload\`); rows at or below COUNTER are not uploaded.

${ONE_SHOT_HELP}

Exit codes:
  0  everything new was published, or there was nothing new
  1  a package failed (UploadFailed, retried with backoff; see \`async-client sessions list
     --direction upload\`), a table is held back, or the cycle could not run (invalid
     profile, database or working folder unusable); with --set-watermark: it was refused
  2  usage error
  3  waiting: a failed package's next try is not due yet
`,
  run(args, io) {
    if (args.some((arg) => arg === SET_WATERMARK || arg.startsWith(`${SET_WATERMARK}=`))) return setWatermark(args, io);
    return runCycleOnce(uploadCommand, 'upload', args, io, createUploadCycle);
  },
};

async function setWatermark(args: readonly string[], io: CliIo): Promise<number> {
  releaseStopSignals();
  const parsed = parseCommandArgs(uploadCommand, args, io, { ...PROFILE_OPTION, 'set-watermark': { type: 'string' } });
  if (typeof parsed === 'number') return parsed;
  if (parsed.positionals.length > 0) return usageError(uploadCommand, io, `unexpected argument ${parsed.positionals[0]}`);
  const match = /^([^=]+)=(-?\d{1,19})$/.exec(parsed.values['set-watermark'] ?? '');
  if (match === null)
    return usageError(uploadCommand, io, `${SET_WATERMARK} takes TABLE=COUNTER, an integer counter, e.g. sale_line=41200`);
  const [, table = '', counterText = ''] = match;
  const profile = await loadProfileOption(parsed.values.profile, io);
  if (typeof profile === 'number') return profile;
  if (!profile.upload.tables.some((t) => t.name === table)) {
    return usageError(
      uploadCommand,
      io,
      `${table} is not one of the profile's upload tables (${profile.upload.tables.map((t) => t.name).join(', ') || 'none'})`,
    );
  }
  try {
    const db = await openChannelDatabase(profile.channel);
    try {
      await db.migrate();
      const { wasHeld } = await setUploadWatermark(db.uploads, profile.stateDirectory, table, BigInt(counterText));
      io.stdout.write(
        `upload watermark of ${table} set to ${counterText}${wasHeld ? '; the table is no longer held back' : ''}: the next upload takes its rows above it\n`,
      );
      return ExitCode.ok;
    } finally {
      await db.close();
    }
  } catch (error) {
    io.stderr.write(`async-client upload: ${errorMessage(error)} (${errorCode(error)})\n`);
    return ExitCode.failure;
  }
}
