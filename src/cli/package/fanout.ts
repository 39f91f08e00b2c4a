import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { toPrivateKey } from '../../package/signature.js';
import { parseCommandArgs } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { openWorkingFolderOption, WORKING_FOLDER_OPTION, WORKING_FOLDER_OPTION_HELP } from '../working-folder-option.js';
import { packageVersion } from '../version.js';
import { writeFileAtomically } from '../../local-files/atomic-file.js';
import { formatSequencePlan, nextSequences, parseSequencePlan, readChannelList, requireStoreFolders } from './channel-plan.js';
import { fanOut } from './fanout-run.js';
import { loadPackSpec, PACK_SPEC_OPTIONS, type PackFlags } from './pack-spec.js';
import { Progress } from './progress.js';
import { withSpooledTables } from './spooled-tables.js';
import { describeFailure, requireOption, UsageError } from './usage.js';

const DEFAULT_CONCURRENCY = 8;

export const fanoutCommand: CliCommand = {
  name: 'package fanout',
  summary: "pack once and write one package into each store's download area",
  help: `Usage: async-client package fanout --manifest SPEC.yaml --channels LIST|@FILE --sequences FILE
         --working-folder PATH|URL [--table NAME=FILE ...] [--sign-key PEM] [options]

Reads the spec's input files once (as package pack does), checks every row, compresses the
rows once, and writes one download package per channel straight into <channel>/download/ of
the working folder: each with its own manifest (channel, sequence), digest and signature,
each written atomically. Every channel must already have a store folder.

The sequences come from FILE, a CSV of "channel,sequence" rows (a header line, quoted fields,
blank lines and "#" comment lines allowed; each channel once). When FILE does not exist yet, each
channel gets the sequence after the highest its download area holds (waiting, applied,
canceled, or named by a status report), and the plan is saved to FILE before any package is
written. A rerun with the same FILE (after an interruption, a failed store) writes the
packages still missing and skips those already there: never a second file for one sequence.

Options:
  --manifest FILE        the spec YAML, as for package pack (direction download; no channelId or sequence needed)
  --channels LIST|@FILE  channel ids, comma separated, or one a line in FILE
  --sequences FILE       the channel,sequence plan (read if it exists, else made and saved)
${WORKING_FOLDER_OPTION_HELP}
  --table NAME=FILE      input file of table NAME; overrides the spec
  --sign-key PEM         HQ's Ed25519 private key: sign every package
  --concurrency N        packages written at once (default ${DEFAULT_CONCURRENCY})
  --job-id ID  --job-name NAME  --data-group NAME  --kind full|incremental  --producer TEXT  --created-at ISO
                         manifest fields (override the spec)
  -h, --help             this text

Prints one line per package written and a summary. Exit codes: 0 every package written or
already there, 1 a bad input or channel list (nothing written) or some packages failed (listed;
run again), 2 usage error.
`,
  async run(args, io) {
    const parsed = parseCommandArgs(fanoutCommand, args, io, {
      ...PACK_SPEC_OPTIONS,
      ...WORKING_FOLDER_OPTION,
      channels: { type: 'string' },
      sequences: { type: 'string' },
      concurrency: { type: 'string' },
    });
    if (typeof parsed === 'number') return parsed;
    const { values } = parsed;
    const concurrency = Number(values.concurrency ?? DEFAULT_CONCURRENCY);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a whole number of at least 1');
    const sequencesPath = resolve(io.cwd, requireOption(values.sequences, '--sequences'));
    const channels = await readChannelList(requireOption(values.channels, '--channels'), (file) => resolve(io.cwd, file));
    const spec = await loadPackSpec(
      { ...(values as PackFlags), channel: channels[0], sequence: '1', direction: 'download' },
      io.cwd,
      `async-client ${packageVersion()} package fanout`,
    );
    const signingKey =
      values['sign-key'] === undefined ? undefined : toPrivateKey(await readFile(resolve(io.cwd, values['sign-key']), 'utf8'));
    const folder = await openWorkingFolderOption(values['working-folder'], io);
    try {
      await requireStoreFolders(folder, channels);
      return await withSpooledTables(spec, new Progress(io.stderr, 'checking and compressing'), async (body, tables) => {
        const saved = await readFile(sequencesPath, 'utf8').catch(() => undefined);
        const plan =
          saved === undefined ? await nextSequences(folder, channels, concurrency) : parseSequencePlan(saved, sequencesPath, channels);
        if (saved === undefined) {
          await writeFileAtomically(sequencesPath, formatSequencePlan(plan));
          io.stdout.write(`${sequencesPath}: sequence plan for ${channels.length} channels saved\n`);
        }
        const { channelId: _channel, sequence: _sequence, direction: _direction, ...manifest } = spec.manifest;
        const outcomes = await fanOut({
          folder,
          body,
          manifest: { ...manifest, tables },
          channels,
          plan,
          concurrency,
          ...(signingKey === undefined ? {} : { signingKey }),
          onOutcome: (outcome) => {
            if (outcome.result === 'written')
              io.stdout.write(`${outcome.path}: ${outcome.fileBytes} bytes, body sha256 ${outcome.sha256}\n`);
            if (outcome.result === 'failed') io.stderr.write(`${outcome.path}: ${describeFailure(outcome.error)}\n`);
          },
        });
        const count = (result: string): number => outcomes.filter((outcome) => outcome.result === result).length;
        const failed = count('failed');
        io.stdout.write(
          `${count('written')} packages written, ${count('present')} already there, ${failed} failed${failed > 0 ? ` (run again with --sequences ${values.sequences} to write them)` : ''}\n`,
        );
        return failed === 0 ? ExitCode.ok : ExitCode.failure;
      });
    } finally {
      await folder.close();
    }
  },
};
