import { describeProfileChange, REDACTED } from '../../src/profile/diff.js';
import type { Profile } from '../../src/profile/profile.js';
import { SAMPLE_PROFILE } from './profile-files.js';

const base = SAMPLE_PROFILE;

describe('describeProfileChange', () => {
  test('equal profiles: nothing changed, nothing to reschedule', () => {
    expect(describeProfileChange(base, structuredClone(base))).toEqual({ fields: [], rescheduled: [] });
  });

  test('an interval change names the field with old and new values and reschedules that direction only', () => {
    const next: Profile = { ...base, profile: { ...base.profile, uploadIntervalMinutes: 5 } };
    expect(describeProfileChange(base, next)).toEqual({
      fields: [{ field: 'profile.uploadIntervalMinutes', previous: 15, next: 5 }],
      rescheduled: ['upload'],
    });
  });

  test('a pattern overrides the interval; a time zone change reschedules every pattern', () => {
    const withPattern: Profile = { ...base, schedule: { download: '*/5 * * * * *' } };
    expect(describeProfileChange(base, withPattern)).toEqual({
      fields: [{ field: 'schedule.download', previous: null, next: '*/5 * * * * *' }],
      rescheduled: ['download'],
    });
    const patternIntervalChanged: Profile = { ...withPattern, profile: { ...base.profile, downloadIntervalMinutes: 30 } };
    expect(describeProfileChange(withPattern, patternIntervalChanged).rescheduled).toEqual([]);
    const bothPatterns: Profile = { ...base, schedule: { download: '0 * * * * *', upload: '30 * * * * *' } };
    const inParis: Profile = { ...bothPatterns, schedule: { ...bothPatterns.schedule, timezone: 'Europe/Paris' } };
    expect(describeProfileChange(bothPatterns, inParis).rescheduled).toEqual(['download', 'upload']);
  });

  test('secrets are redacted on both sides, other fields in nested lists and maps are named', () => {
    const next: Profile = {
      ...base,
      workingFolder: { ...base.workingFolder, password: 'new-secret' } as Profile['workingFolder'],
      upload: {
        ...base.upload,
        tables: [
          { name: 'sales_line', counterColumn: 'rowid', filter: 'store_id = 42' },
          { name: 'payments', counterColumn: 'rowid' },
        ],
      },
      daemon: { ...base.daemon, health: { host: '127.0.0.1', port: 9465 } },
    };
    const change = describeProfileChange(base, next);
    expect(change.fields).toEqual([
      { field: 'workingFolder.password', previous: REDACTED, next: REDACTED },
      { field: 'daemon.health', previous: null, next: { host: '127.0.0.1', port: 9465 } },
      { field: 'upload.tables[0].filter', previous: null, next: 'store_id = 42' },
      { field: 'upload.tables[1]', previous: null, next: { name: 'payments', counterColumn: 'rowid' } },
    ]);
    expect(JSON.stringify(change)).not.toContain('secret');
  });

  test('switching adapters lists each field that appeared or went, the password still redacted', () => {
    const local: Profile = { ...base, workingFolder: { adapter: 'local', path: '/mnt/hq' } };
    const fields = describeProfileChange(base, local).fields.map((change) => change.field);
    expect(fields).toEqual([
      'workingFolder.adapter',
      'workingFolder.url',
      'workingFolder.username',
      'workingFolder.password',
      'workingFolder.timeoutSeconds',
      'workingFolder.path',
    ]);
    expect(JSON.stringify(describeProfileChange(base, local))).not.toContain('old-secret');
  });
});
