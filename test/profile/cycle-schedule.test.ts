import { cycleSchedule, describeCycleSchedule } from '../../src/profile/cycle-schedule.js';
import type { Profile } from '../../src/profile/profile.js';
import { SAMPLE_PROFILE } from './profile-files.js';

const profile: Profile = {
  ...SAMPLE_PROFILE,
  profile: { name: 'Store', downloadIntervalMinutes: 1, uploadIntervalMinutes: 15 },
  schedule: { upload: '0 */15 8-22 * * *', timezone: 'Europe/Paris' },
};

describe('cycleSchedule', () => {
  test('the interval unless a pattern overrides it, with the time zone the pattern is read in', () => {
    expect(cycleSchedule(profile, 'download')).toEqual({ kind: 'interval', minutes: 1 });
    expect(cycleSchedule(profile, 'upload')).toEqual({ kind: 'pattern', pattern: '0 */15 8-22 * * *', timezone: 'Europe/Paris' });
  });

  test('in words', () => {
    expect(describeCycleSchedule({ kind: 'interval', minutes: 1 })).toBe('every minute');
    expect(describeCycleSchedule({ kind: 'interval', minutes: 15 })).toBe('every 15 minutes');
    expect(describeCycleSchedule({ kind: 'pattern', pattern: '*/5 * * * * *' })).toBe('on "*/5 * * * * *"');
    expect(describeCycleSchedule(cycleSchedule(profile, 'upload'))).toBe('on "0 */15 8-22 * * *" (Europe/Paris)');
  });
});
