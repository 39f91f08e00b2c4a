import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HqDesk, publishedProfileText } from '../support/hq-desk.js';

describe('async-client profile publish and assign', () => {
  let root: string;
  let folder: string;
  let desk: HqDesk;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'async-client-profile-tools-'));
    folder = path.join(root, 'exchange');
    await mkdir(folder);
    desk = await HqDesk.create(root, folder);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const profilesFolder = async (): Promise<string[]> => readdir(path.join(folder, 'profiles')).catch(() => []);

  it('publishes a checked profile and its signature, and assigns stores to it, keeping other entries', async () => {
    const published = await desk.publish('pilot', publishedProfileText());
    expect(published).toMatchObject({ code: 0, stderr: '' });
    expect(published.stdout).toMatch(/^published profiles\/pilot\.yaml and profiles\/pilot\.yaml\.sig \(revision \d{13}\) in local folder/);
    expect(await readFile(path.join(folder, 'profiles', 'pilot.yaml'), 'utf8')).toBe(publishedProfileText());
    expect(desk.assign('store-*', 'pilot')).toMatchObject({ code: 0 });
    expect(desk.assign('store-0042', 'pilot').stdout).toContain('assigned store-0042 to pilot in profiles/assignments.yaml (2 entries)');
    expect(await readFile(path.join(folder, 'profiles', 'assignments.yaml'), 'utf8')).toBe(
      'assignments:\n  store-*: pilot\n  store-0042: pilot\n',
    );
    expect((await profilesFolder()).sort()).toEqual(['assignments.yaml', 'assignments.yaml.sig', 'pilot.yaml', 'pilot.yaml.sig']);
  });

  it('refuses a profile with a path, a credential or an unknown key at its line, and writes nothing', async () => {
    const text = `${publishedProfileText()}download:\n  publicKey: hq.pem\nworkingFolder:\n  adapter: webdav\n  url: https://hq/\n  password: x\nflavour: mint\n`;
    const result = await desk.publish('pilot', text);
    expect(result.code).toBe(1);
    const draft = path.join(root, 'pilot.draft.yaml');
    expect(result.stderr.split('\n')).toEqual([
      `async-client profile publish: E_PROFILE_INVALID: ${draft}:9:3 download.publicKey: expected only the sections every store may share: profile, schedule, download, upload, found "download.publicKey", the path of the key that checks HQ's signatures, which only each store's own file sets`,
      `${draft}:10:1 workingFolder: expected only the sections every store may share: profile, schedule, download, upload, found "workingFolder", a path or a credential, which only each store's own file sets`,
      `${draft}:14:1 flavour: expected one of the fields profile, schedule, download, upload, found an unknown field "flavour"`,
      '',
    ]);
    expect(await profilesFolder()).toEqual([]);
  });

  it('refuses an interval out of range at its line', async () => {
    const result = await desk.publish('pilot', publishedProfileText().replace('uploadIntervalMinutes: 10', 'uploadIntervalMinutes: 2000'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'pilot.draft.yaml:4:26 profile.uploadIntervalMinutes: expected a whole number of minutes from 1 to 1440, found 2000',
    );
    expect(await profilesFolder()).toEqual([]);
  });

  it('answers bad usage with exit 2: no key and no --unsigned, a bad name, a bad glob', async () => {
    const noKey = await desk.publish('pilot', publishedProfileText(), []);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('--sign-key PEM is required (or --unsigned, for stores that pin no key)');
    expect((await desk.publish('assignments', publishedProfileText())).code).toBe(2);
    expect((await desk.publish('../up', publishedProfileText())).code).toBe(2);
    const badGlob = desk.assign('store/*', 'pilot');
    expect(badGlob.code).toBe(2);
    expect(badGlob.stderr).toContain('"store/*" is not a channel id or glob');
    expect(await profilesFolder()).toEqual([]);
  });

  it('refuses to assign a profile that is not published', async () => {
    const result = desk.assign('*', 'ghost');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('E_HQ_PROFILE_MISSING: no profile ghost in local folder');
    expect(await profilesFolder()).toEqual([]);
  });

  it('publishes unsigned with --unsigned, removing a signature left from before, and prints the digest fleet status shows', async () => {
    await desk.publish('pilot', publishedProfileText());
    const unsigned = await desk.publish('pilot', publishedProfileText(), ['--unsigned']);
    expect(unsigned).toMatchObject({ code: 0 });
    const digest = createHash('sha256').update(publishedProfileText()).digest('hex').slice(0, 12);
    expect(unsigned.stdout).toMatch(new RegExp(`^published profiles/pilot\\.yaml \\(unsigned, sha256 ${digest}\\) in local folder`));
    expect(await profilesFolder()).toEqual(['pilot.yaml']);
  });

  it('signs each publication with a newer revision, past the one HQ signed in the folder when that is ahead of the clock', async () => {
    const revisionOf = async (file: string): Promise<number> =>
      Number(/^revision (\d+)$/m.exec(await readFile(path.join(folder, 'profiles', `${file}.sig`), 'utf8'))?.[1]);
    await desk.publish('pilot', publishedProfileText());
    const first = await revisionOf('pilot.yaml');
    expect(first).toBeGreaterThan(0);
    await desk.publish('pilot', publishedProfileText({ download: '*/3 * * * * *' }));
    expect(await revisionOf('pilot.yaml')).toBeGreaterThan(first);

    // Signed on a machine whose clock ran ahead: the next publication still goes past it.
    const ahead = 9_000_000_000_000;
    await desk.placeSigned('profiles/pilot.yaml', publishedProfileText(), ahead);
    expect(await desk.publish('pilot', publishedProfileText())).toMatchObject({ code: 0 });
    expect(await revisionOf('pilot.yaml')).toBe(ahead + 1);

    // A revision nobody signed is no floor: a number that large would leave none to sign with.
    const signature = path.join(folder, 'profiles', 'pilot.yaml.sig');
    await writeFile(signature, (await readFile(signature, 'utf8')).replace(/revision \d+/, 'revision 999999999999999'));
    expect(await desk.publish('pilot', publishedProfileText())).toMatchObject({ code: 0 });
    expect(await revisionOf('pilot.yaml')).toBeLessThan(ahead);
    expect(desk.assign('store-*', 'pilot').stdout).toMatch(/ and profiles\/assignments\.yaml\.sig \(revision \d{13}\) in /);
  });
});
