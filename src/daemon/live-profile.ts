import { describeProfileChange } from '../profile/diff.js';
import type { Profile } from '../profile/profile.js';

/**
 * Sections a running daemon cannot swap without reopening what it holds: the channel
 * database, the working folder, the state directory and the health endpoint's socket.
 * A reload keeps their running values and says that a restart is needed for them.
 */
const RESTART_ONLY = ['channel', 'workingFolder', 'stateDirectory', 'daemon.health'] as const;

function isRestartOnly(field: string): boolean {
  return RESTART_ONLY.some((section) => field === section || field.startsWith(`${section}.`));
}

/** The changed fields that take effect only after a restart. */
export function restartOnlyChanges(running: Profile, next: Profile): string[] {
  return describeProfileChange(running, next)
    .fields.map((change) => change.field)
    .filter(isRestartOnly);
}

/** `next` with the restart-only sections of the running profile. */
export function withRestartOnlyFieldsOf(running: Profile, next: Profile): Profile {
  return {
    ...next,
    channel: running.channel,
    workingFolder: running.workingFolder,
    stateDirectory: running.stateDirectory,
    daemon: { ...next.daemon, health: running.daemon.health },
  };
}
