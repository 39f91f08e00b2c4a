import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSigningKeyPair } from '../../../src/package/index.js';
import { inProcessProfileChecks } from '../../../src/profile/checks/in-process.js';
import { HqProfileCheck } from '../../../src/profile/hq/hq-check.js';
import { signPublishedFile } from '../../../src/profile/hq/signature.js';
import { SignedRevisions } from '../../../src/profile/hq/signed-revisions.js';
import { LocalWorkingFolder } from '../../../src/workfolder/local.js';
import { FaultyWorkingFolder } from '../../support/faulty-working-folder.js';
import { publishedProfileText } from '../../support/hq-desk.js';

const hq = generateSigningKeyPair();

describe("a store's look at the profile HQ publishes for it", () => {
  let root: string;
  let folder: FaultyWorkingFolder;
  let check: HqProfileCheck;
  let revisions: SignedRevisions;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'async-client-hq-check-'));
    await mkdir(path.join(root, 'profiles'));
    folder = new FaultyWorkingFolder(new LocalWorkingFolder(root));
    revisions = new SignedRevisions();
    check = new HqProfileCheck(folder, 'store-0042', inProcessProfileChecks, revisions);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function place(file: string, text: string, revision = 1): Promise<void> {
    await writeFile(path.join(root, file), text);
    await writeFile(path.join(root, `${file}.sig`), signPublishedFile(file, Buffer.from(text), hq.privateKeyPem, revision));
  }

  it('reads the assigned profile once, then costs one listing while nothing changes', async () => {
    await place('profiles/pilot.yaml', publishedProfileText());
    await place('profiles/assignments.yaml', 'assignments:\n  store-*: pilot\n');
    expect(await check.run(hq.publicKeyPem)).toMatchObject({
      kind: 'assigned',
      published: { assignedBy: 'store-*', layer: { name: 'pilot' } },
    });
    const reads = folder.calls('openRead');
    expect(await check.run(hq.publicKeyPem)).toEqual({ kind: 'unchanged' });
    expect(folder.calls('openRead')).toBe(reads);
    expect(folder.calls('list')).toBe(2);
  });

  it('says unassigned when HQ assigns nothing, or nothing to this store', async () => {
    expect(await check.run(hq.publicKeyPem)).toEqual({ kind: 'unassigned', reason: 'no profiles/assignments.yaml in the working folder' });
    await place('profiles/pilot.yaml', publishedProfileText());
    await place('profiles/assignments.yaml', 'assignments:\n  store-1*: pilot\n');
    expect(await check.run(hq.publicKeyPem)).toMatchObject({
      kind: 'unassigned',
      reason: expect.stringContaining('matches channel store-0042'),
    });
  });

  it('refuses an assignment naming a profile that is not published, at its line', async () => {
    await place('profiles/assignments.yaml', 'assignments:\n  "*": ghost\n');
    expect(await check.run(hq.publicKeyPem)).toEqual({
      kind: 'refused',
      code: 'E_HQ_PROFILE_INVALID',
      problems: [
        'profiles/assignments.yaml:2:8 assignments.*: expected a profile published as profiles/ghost.yaml, found "ghost", which is not there; publish it or assign another',
      ],
    });
  });

  it('refuses unsigned assignments when the store pins a key, and takes them when it pins none', async () => {
    await place('profiles/pilot.yaml', publishedProfileText());
    await writeFile(path.join(root, 'profiles/assignments.yaml'), 'assignments:\n  "*": pilot\n');
    expect(await check.run(hq.publicKeyPem)).toMatchObject({ kind: 'refused', code: 'E_HQ_PROFILE_UNSIGNED' });
    expect(await check.run(undefined)).toMatchObject({ kind: 'assigned' });
  });

  it('fails, and tries again at the next look, when the folder goes away mid-fetch', async () => {
    await place('profiles/pilot.yaml', publishedProfileText());
    await place('profiles/assignments.yaml', 'assignments:\n  "*": pilot\n');
    folder.cutNextRead(5, 'E_FOLDER_UNREACHABLE');
    expect(await check.run(hq.publicKeyPem)).toMatchObject({ kind: 'failed', code: 'E_FOLDER_UNREACHABLE' });
    folder.failNext('list', 'E_FOLDER_UNREACHABLE');
    expect(await check.run(hq.publicKeyPem)).toMatchObject({ kind: 'failed', code: 'E_FOLDER_UNREACHABLE' });
    expect(await check.run(hq.publicKeyPem)).toMatchObject({ kind: 'assigned' });
  });

  it('refuses at adoption what publish refuses: a path, a credential or an unknown key, at file:line:col', async () => {
    await place('profiles/pilot.yaml', `${publishedProfileText()}workingFolder:\n  adapter: local\n  path: /srv/elsewhere\n`);
    await place('profiles/assignments.yaml', 'assignments:\n  "*": pilot\n');
    expect(await check.run(hq.publicKeyPem)).toEqual({
      kind: 'refused',
      code: 'E_HQ_PROFILE_INVALID',
      problems: [
        `profiles/pilot.yaml:8:1 workingFolder: expected only the sections every store may share: profile, schedule, download, upload, found "workingFolder", a path or a credential, which only each store's own file sets`,
      ],
    });
  });

  it('refuses a profile cut short after it was signed', async () => {
    const text = publishedProfileText();
    await place('profiles/pilot.yaml', text);
    await writeFile(path.join(root, 'profiles/pilot.yaml'), text.slice(0, 60));
    await place('profiles/assignments.yaml', 'assignments:\n  "*": pilot\n');
    expect(await check.run(hq.publicKeyPem)).toMatchObject({ kind: 'refused', code: 'E_HQ_PROFILE_SIGNATURE' });
  });

  it('refuses a file too large to be a profile without reading all of it', async () => {
    await place('profiles/assignments.yaml', `assignments:\n  "*": pilot\n#${'x'.repeat(300 * 1024)}\n`);
    expect(await check.run(hq.publicKeyPem)).toMatchObject({ kind: 'refused', code: 'E_HQ_PROFILE_TOO_LARGE' });
  });

  it('refuses an older signed copy of the assignments or of the profile put back, and keeps the highest revision it took', async () => {
    await place('profiles/pilot.yaml', publishedProfileText(), 5);
    await place('profiles/assignments.yaml', 'assignments:\n  "*": pilot\n', 7);
    expect(await check.run(hq.publicKeyPem)).toMatchObject({ kind: 'assigned' });
    expect(revisions.toJSON()).toEqual({ 'profiles/assignments.yaml': 7, 'profiles/pilot.yaml': 5 });

    await place('profiles/assignments.yaml', 'assignments:\n  store-1*: pilot\n', 6);
    expect(await check.run(hq.publicKeyPem)).toEqual({
      kind: 'refused',
      code: 'E_HQ_PROFILE_ROLLBACK',
      problems: [
        'profiles/assignments.yaml is signed as revision 6, older than revision 7 this store already took: an older copy was put back in the working folder; publish the file again from HQ',
      ],
    });
    await place('profiles/assignments.yaml', 'assignments:\n  "*": pilot\n', 7);
    await place('profiles/pilot.yaml', publishedProfileText({ download: '*/9 * * * * *' }), 4);
    expect(await check.run(hq.publicKeyPem)).toMatchObject({ kind: 'refused', code: 'E_HQ_PROFILE_ROLLBACK' });

    // The same revision again, and a newer one, are taken.
    await place('profiles/pilot.yaml', publishedProfileText({ download: '*/9 * * * * *' }), 8);
    expect(await check.run(hq.publicKeyPem)).toMatchObject({ kind: 'assigned', published: { text: expect.stringContaining('*/9') } });
    expect(revisions.toJSON()).toEqual({ 'profiles/assignments.yaml': 7, 'profiles/pilot.yaml': 8 });
  });

  it('takes revisions from an earlier run, and none from files that no key checked', async () => {
    const remembered = new SignedRevisions({ 'profiles/pilot.yaml': 9 });
    const restarted = new HqProfileCheck(folder, 'store-0042', inProcessProfileChecks, remembered);
    await place('profiles/pilot.yaml', publishedProfileText(), 5);
    await place('profiles/assignments.yaml', 'assignments:\n  "*": pilot\n', 7);
    expect(await restarted.run(hq.publicKeyPem)).toMatchObject({ kind: 'refused', code: 'E_HQ_PROFILE_ROLLBACK' });

    // A store that pins no key cannot tell HQ's revisions from anyone's: it takes the files and remembers nothing.
    expect(await check.run(undefined)).toMatchObject({ kind: 'assigned' });
    expect(revisions.toJSON()).toEqual({});
  });
});
