import { errorCode, errorMessage } from '../../errors.js';
import { loadProfile } from '../../profile/load.js';
import type { Clock } from '../../schedule/clock.js';
import { type CheckResult, fail, ok, skip } from './check-result.js';
import { databaseChecks } from './database-checks.js';
import { folderChecks } from './folder-checks.js';
import { healthPortCheck, instanceCheck } from './process-checks.js';
import { serviceUnitChecks } from './service-unit.js';

export interface DoctorOptions {
  readonly cwd: string;
  readonly clock: Clock;
  /** Also run SQLite's PRAGMA quick_check, which reads the whole database. */
  readonly quickCheck: boolean;
  /** The service unit to check instead of the installed one. */
  readonly unitFile?: string;
}

const AFTER_PROFILE = ['database', 'journal', 'upload-tables', 'working-folder', 'clock', 'instance', 'health-port', 'service-unit'];

/**
 * The daemon's start-up preflight without starting it, and without creating anything but a
 * probe file in the working folder (removed again): each check says what it found and, when it
 * is not OK, what to do. Checks that need a loaded profile are skipped when it does not load.
 */
export async function runDoctor(profileFile: string, options: DoctorOptions): Promise<CheckResult[]> {
  let profile: Awaited<ReturnType<typeof loadProfile>>;
  try {
    profile = await loadProfile(profileFile, { cwd: options.cwd });
  } catch (error) {
    return [
      fail('profile', `${errorMessage(error)} (${errorCode(error)})`, `fix the profile: async-client validate ${profileFile}`),
      ...AFTER_PROFILE.map((check) => skip(check, 'the profile does not load')),
    ];
  }
  const instance = await instanceCheck(profile);
  return [
    ok('profile', `${profileFile}: profile ${JSON.stringify(profile.profile.name)}, channel ${profile.channel.id}`),
    ...(await databaseChecks(profile, { quickCheck: options.quickCheck })),
    ...(await folderChecks(profile, options.clock)),
    instance.result,
    await healthPortCheck(profile, instance.running),
    ...(await serviceUnitChecks(profile, options.unitFile)),
  ];
}
