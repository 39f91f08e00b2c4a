import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { located, rejection, useProfileLoads } from './profile-loads.js';
import { MINIMAL_PROFILE } from './profile-files.js';

const profiles = useProfileLoads();
const { loadError } = profiles;

describe('loadProfile: broken files', () => {
  test("malformed YAML keeps yaml's own line and column", async () => {
    const error = await loadError(MINIMAL_PROFILE.replace('name: Store 0042', 'name: Store: 0042'));
    expect(error.code).toBe('E_PROFILE_YAML');
    expect(located(error.issues)).toEqual(['2:9 ']);
    expect(error.issues[0]?.expected).toBe('valid YAML');
  });

  test('a duplicate key names the field', async () => {
    const error = await loadError(
      MINIMAL_PROFILE.replace('uploadIntervalMinutes: 15', 'uploadIntervalMinutes: 15\n  downloadIntervalMinutes: 30'),
    );
    expect(error.code).toBe('E_PROFILE_YAML');
    expect(located(error.issues)).toEqual(['5:3 profile.downloadIntervalMinutes']);
  });

  test('two YAML documents in one file', async () => {
    const error = await loadError(`${MINIMAL_PROFILE}---\n${MINIMAL_PROFILE}`);
    expect(error.code).toBe('E_PROFILE_YAML');
    expect(error.issues[0]?.expected).toBe('one YAML document');
  });

  test('an alias to an anchor that does not exist', async () => {
    const error = await loadError(MINIMAL_PROFILE.replace('uploadIntervalMinutes: 15', 'uploadIntervalMinutes: *interval'));
    expect(error.code).toBe('E_PROFILE_YAML');
    expect(error.issues[0]?.found).toContain('Unresolved alias');
  });

  test.each([
    ['an empty file', ''],
    ['a file of comments only', '# nothing yet\n'],
  ])('%s', async (_name, text) => {
    const error = await loadError(text);
    expect(error.code).toBe('E_PROFILE_INVALID');
    expect(error.issues).toEqual([expect.objectContaining({ line: 1, column: 1, field: '', found: 'an empty file' })]);
  });

  test('a scalar instead of a map', async () => {
    const error = await loadError('hello\n');
    expect(error.issues).toEqual([expect.objectContaining({ line: 1, column: 1, field: '', found: '"hello"' })]);
  });

  test('a path that does not exist, or whose parent is a file', async () => {
    expect((await rejection(path.join(profiles.folder.root, 'missing.yaml'))).code).toBe('E_PROFILE_NOT_FOUND');
    const file = await profiles.folder.write('profile.yaml', MINIMAL_PROFILE);
    const error = await rejection(path.join(file, 'nested.yaml'));
    expect(error.code).toBe('E_PROFILE_NOT_FOUND');
    expect(error.message).toContain('no such profile file');
  });

  test('a folder', async () => {
    const directory = path.join(profiles.folder.root, 'profile.yaml');
    await mkdir(directory);
    const error = await rejection(directory);
    expect(error.code).toBe('E_PROFILE_NOT_A_FILE');
    expect(error.message).toBe(`${directory}: is a folder, not a profile file; pass the path of the YAML file itself`);
  });

  const runsAsRoot = process.getuid?.() === 0;
  (runsAsRoot ? test.skip : test)('a file without read permission (skipped as root: root reads it anyway; see the EIO case)', async () => {
    const file = await profiles.folder.write('profile.yaml', MINIMAL_PROFILE);
    await chmod(file, 0o000);
    const error = await rejection(file);
    expect(error.code).toBe('E_PROFILE_UNREADABLE');
    expect(error.message).toContain('EACCES');
  });

  (process.platform === 'linux' ? test : test.skip)('a file whose read fails (EIO from /proc/self/mem, even for root)', async () => {
    const error = await rejection('/proc/self/mem');
    expect(error.code).toBe('E_PROFILE_UNREADABLE');
    expect(error.message).toBe("/proc/self/mem: cannot read the profile file (EIO: i/o error, read); let the daemon's user read it");
  });
});
