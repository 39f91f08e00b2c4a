import { errorCode, errorMessage } from '../../errors.js';
import type { Profile } from '../../profile/profile.js';
import type { Clock } from '../../schedule/clock.js';
import { channelFolders } from '../../workfolder/layout.js';
import { openWorkingFolder } from '../../workfolder/open.js';
import type { WorkingFolder } from '../../workfolder/working-folder.js';
import { type CheckResult, fail, ok, skip, warn } from './check-result.js';

/** Below this, a day of packages may not fit: said before a cycle fails on it. */
export const LOW_FOLDER_SPACE_BYTES = 100 * 1024 * 1024;

/** Beyond this, file ages mislead: abandoned temporaries are swept early or late, gaps reported at the wrong time. */
export const CLOCK_SKEW_LIMIT_MS = 2 * 60 * 1000;

const MIB = 1024 * 1024;

/**
 * The working folder as the daemon's start-up finds it (WorkingFolder.check: reachable,
 * listable, writable, free space), and the clock of whoever stores its files: a probe file
 * written into the channel's status area, its modification time compared with ours.
 */
export async function folderChecks(profile: Profile, clock: Clock): Promise<CheckResult[]> {
  const folder = await openWorkingFolder(profile.workingFolder, { probeOwner: profile.channel.id });
  try {
    const health = await folder.check();
    if (!health.ok) {
      return [
        fail(
          'working-folder',
          `${folder.describe()}: ${health.error.message} (${health.error.code})`,
          'see the message: the daemon cannot start without it',
        ),
        skip('clock', 'the working folder cannot be reached'),
      ];
    }
    const { freeBytes } = health;
    const space = freeBytes === undefined ? 'free space unknown' : `${Math.floor(freeBytes / MIB)} MiB free`;
    const reachable =
      freeBytes !== undefined && freeBytes < LOW_FOLDER_SPACE_BYTES
        ? warn('working-folder', `${folder.describe()}: reachable and writable, but only ${space}`, 'free space there before uploads fail')
        : ok('working-folder', `${folder.describe()}: reachable, listable and writable; ${space}`);
    return [reachable, await clockSkew(folder, profile.channel.id, clock)];
  } finally {
    await folder.close();
  }
}

async function clockSkew(folder: WorkingFolder, channelId: string, clock: Clock): Promise<CheckResult> {
  const probe = `${channelFolders(channelId).status}/doctor-clock.probe`;
  try {
    await folder.ensureDir(channelFolders(channelId).status);
    const before = clock.now().getTime();
    await folder.writeAtomic(probe, Buffer.from('async-client doctor\n'));
    const after = clock.now().getTime();
    const entry = await folder.stat(probe);
    await folder.remove(probe);
    if (entry === undefined) return warn('clock', `the probe file ${probe} vanished before it could be read`, 'run doctor again');
    // File times may be whole seconds: only what lies outside [before - 1 s, after] counts.
    const written = entry.modifiedAt.getTime();
    const skewMs = written < before - 1000 ? written - before : written > after ? written - after : 0;
    const skew = `${Math.round(skewMs / 1000)} s`;
    if (Math.abs(skewMs) > CLOCK_SKEW_LIMIT_MS) {
      return warn(
        'clock',
        `the working folder's clock is ${skew} off this machine's (a file written now is dated ${entry.modifiedAt.toISOString()})`,
        'synchronize both clocks (timedatectl set-ntp true here; NTP on the file server)',
      );
    }
    return ok(
      'clock',
      `the working folder's clock agrees with this machine's (within ${CLOCK_SKEW_LIMIT_MS / 60000} minutes; off by ${skew})`,
    );
  } catch (error) {
    return warn('clock', `cannot compare clocks: ${errorMessage(error)} (${errorCode(error)})`, 'see the message');
  }
}
