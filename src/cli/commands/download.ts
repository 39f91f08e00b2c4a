import { createDownloadCycle } from '../../download/download-cycle.js';
import { downloadStagingDirectory } from '../../download/staging.js';
import type { CliCommand } from '../command.js';
import { ONE_SHOT_HELP, runCycleOnce } from '../one-shot.js';

export const downloadCommand: CliCommand = {
  name: 'download',
  summary: 'Apply the download packages waiting in the working folder, once, in the foreground',
  takesStopSignals: true,
  help: `Usage: async-client download --once [--profile PATH] [--log-format json|pretty]

Runs one download cycle, as the daemon does on its timer: lists this channel's packages in
the working folder, verifies each one completely, and applies them in sequence order to the
channel database, each in one transaction with its Applied record; then reports to HQ
(download/status/) and moves the package into download/applied/. A package already applied
is never applied again, also when the daemon runs at the same time.

${ONE_SHOT_HELP}

Exit codes:
  0  every package available was applied, or there was nothing to do
  1  a package failed (see \`async-client sessions list\`), or the cycle could not run
     (invalid profile, database or working folder unusable)
  2  usage error
  3  waiting: a sequence is missing (gap), a package is Suspended, or a failed package's
     next try is not due yet; later packages wait behind it
`,
  run: (args, io) =>
    runCycleOnce(downloadCommand, 'download', args, io, (deps) =>
      createDownloadCycle({ ...deps, stagingDirectory: downloadStagingDirectory(deps.profile().stateDirectory) }),
    ),
};
