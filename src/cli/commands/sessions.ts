import { ExitCode, type CliCommand } from '../command.js';
import { cancelSessionCommand } from '../sessions/cancel.js';
import { listSessionsCommand } from '../sessions/list.js';
import { resendSessionCommand } from '../sessions/resend.js';
import { retrySessionCommand } from '../sessions/retry.js';
import { showSessionCommand } from '../sessions/show.js';

/** `async-client sessions <action>`: one command per action, named `sessions <action>`. */
const ACTIONS: readonly CliCommand[] = [
  listSessionsCommand,
  showSessionCommand,
  retrySessionCommand,
  cancelSessionCommand,
  resendSessionCommand,
];

function overview(): string {
  const names = ACTIONS.map((action) => action.name.slice('sessions '.length));
  const width = Math.max(...names.map((name) => name.length));
  return `Usage: async-client sessions <${names.join('|')}> [options]

Shows and acts on the session journal kept in the channel database: one session per
download package (Available, Downloaded, Applied, ApplyFailed, Suspended, Canceled) and per
upload package (Started, Available, Uploaded, UploadFailed). Reads work while the daemon
runs; the daemon picks up a retry or cancel at its next cycle, and resend publishes an
Uploaded package again at once.

Actions:
${ACTIONS.map((action, i) => `  ${(names[i] as string).padEnd(width)}  ${action.summary}`).join('\n')}

Run 'async-client sessions <action> --help' for an action's options and exit codes.
`;
}

export const sessionsCommand: CliCommand = {
  name: 'sessions',
  summary: 'List and show download and upload sessions; retry or cancel a download, resend an upload',
  get help() {
    return overview();
  },

  async run(args, io) {
    const [actionName, ...rest] = args;
    if (actionName === undefined || actionName === '--help' || actionName === '-h') {
      io.stdout.write(overview());
      return actionName === undefined ? ExitCode.usage : ExitCode.ok;
    }
    const action = ACTIONS.find((candidate) => candidate.name === `sessions ${actionName}`);
    if (action === undefined) {
      io.stderr.write(`async-client sessions: unknown action ${JSON.stringify(actionName)}\n\n${overview()}`);
      return ExitCode.usage;
    }
    return action.run(rest, io);
  },
};
