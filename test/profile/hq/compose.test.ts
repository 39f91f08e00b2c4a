import { composeProfile } from '../../../src/profile/compose.js';
import { parsePublishedProfile } from '../../../src/profile/hq/published-profile.js';
import { readLocalProfile } from '../../../src/profile/load.js';
import { ProfileError } from '../../../src/profile/profile-error.js';
import { MINIMAL_PROFILE, ProfileFolder } from '../profile-files.js';

const PILOT = `profile:
  name: Pilot stores
  downloadIntervalMinutes: 5
  uploadIntervalMinutes: 10
download:
  tryLimit: 7
`;

describe('a store file with the profile HQ published for it', () => {
  let folder: ProfileFolder;
  beforeEach(async () => {
    folder = await ProfileFolder.create();
  });
  afterEach(async () => {
    await folder.remove();
  });

  async function compose(localExtra: string, published = PILOT) {
    const local = await readLocalProfile(await folder.write('store.yaml', MINIMAL_PROFILE + localExtra));
    return composeProfile(local, parsePublishedProfile('pilot', 'profiles/pilot.yaml', published));
  }

  it("takes HQ's fields over the file's, the file's over the defaults, and says where each comes from", async () => {
    const { profile, sources } = await compose('download:\n  retryBackoffSeconds: 5\n  tryLimit: 2\n');
    expect(profile.profile).toEqual({ name: 'Pilot stores', downloadIntervalMinutes: 5, uploadIntervalMinutes: 10 });
    expect(profile.download).toMatchObject({ tryLimit: 7, retryBackoffSeconds: 5, gapReportMinutes: 60 });
    expect(Object.fromEntries(sources)).toMatchObject({
      'profile.name': 'HQ:pilot',
      'profile.downloadIntervalMinutes': 'HQ:pilot',
      'download.tryLimit': 'HQ:pilot',
      'download.retryBackoffSeconds': 'local',
      'download.gapReportMinutes': 'default',
      'channel.id': 'local',
      'workingFolder.path': 'local',
      stateDirectory: 'default',
    });
  });

  it('lets fields the store marks as overrides win over HQ, a whole section or one field', async () => {
    const { profile, sources } = await compose(
      'download:\n  tryLimit: 2\nstoreOverrides:\n  - download\n  - profile.uploadIntervalMinutes\n',
    );
    expect(profile.download.tryLimit).toBe(2);
    expect(profile.profile).toEqual({ name: 'Pilot stores', downloadIntervalMinutes: 5, uploadIntervalMinutes: 15 });
    expect(sources.get('download.tryLimit')).toBe('override');
    expect(sources.get('profile.uploadIntervalMinutes')).toBe('override');
    expect(sources.get('profile.downloadIntervalMinutes')).toBe('HQ:pilot');
  });

  it("keeps each direction's timing whole: HQ's interval ends a local pattern; an overridden pattern keeps the local interval", async () => {
    const patterns = 'schedule:\n  download: "*/1 * * * * *"\n  upload: "*/3 * * * * *"\n';
    const plain = await compose(patterns);
    expect(plain.profile.schedule).toEqual({});
    expect(plain.sources.get('schedule.download')).toBe('HQ:pilot');
    const kept = await compose(`${patterns}storeOverrides: [schedule.upload]\n`);
    expect(kept.profile.schedule).toEqual({ upload: '*/3 * * * * *' });
    expect(kept.profile.profile.uploadIntervalMinutes).toBe(15);
    expect(kept.sources.get('profile.uploadIntervalMinutes')).toBe('local');
    expect(kept.sources.get('schedule.upload')).toBe('override');
  });

  it("takes HQ's Async Server profile whole: a local description does not stay under HQ's name unless overridden", async () => {
    const described = MINIMAL_PROFILE.replace('  name: Store 0042\n', '  name: Store 0042\n  description: the corner shop\n');
    const local = await readLocalProfile(await folder.write('store.yaml', described));
    const pilot = parsePublishedProfile('pilot', 'profiles/pilot.yaml', PILOT);
    const composed = composeProfile(local, pilot);
    expect(composed.profile.profile.description).toBeUndefined();
    expect(composed.sources.get('profile.description')).toBe('HQ:pilot');
    const kept = await readLocalProfile(await folder.write('kept.yaml', `${described}storeOverrides: [profile.description]\n`));
    expect(composeProfile(kept, pilot).profile.profile.description).toBe('the corner shop');
  });

  it('with no HQ profile, is the file alone: local and default only', async () => {
    const local = await readLocalProfile(await folder.write('store.yaml', MINIMAL_PROFILE));
    const { sources } = composeProfile(local);
    expect(new Set(sources.values())).toEqual(new Set(['local', 'default']));
  });

  it('refuses an override that names no field HQ may set, or a field the file leaves out, at file:line:col', async () => {
    const file = await folder.write('store.yaml', `${MINIMAL_PROFILE}storeOverrides:\n  - channel.id\n  - download.tryLimit\n`);
    const error = await readLocalProfile(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProfileError);
    expect((error as ProfileError).message.split('\n')).toEqual([
      `${file}:11:5 storeOverrides[0]: expected a section HQ may set (profile, schedule, download, upload) or one of its fields, such as "profile.uploadIntervalMinutes", found "channel.id"`,
      `${file}:12:5 storeOverrides[1]: expected a field this file sets, found "download.tryLimit", which this file leaves out`,
    ]);
  });
});
