import path from 'node:path';
import { loadProfile } from '../../src/profile/load.js';
import { ProfileError } from '../../src/profile/profile-error.js';
import { MINIMAL_PROFILE, ProfileFolder } from './profile-files.js';

let folder: ProfileFolder;
beforeEach(async () => {
  folder = await ProfileFolder.create();
});
afterEach(async () => {
  await folder.remove();
});

function webdavProfile(lines: string): string {
  return MINIMAL_PROFILE.replace('adapter: local\n  path: exchange', `adapter: webdav\n  url: https://hq.example/dav/\n${lines}`);
}

async function issuesOf(text: string, env: NodeJS.ProcessEnv = {}): Promise<Array<{ field: string; found: string }>> {
  const file = await folder.write('profile.yaml', text);
  const error = await loadProfile(file, { env }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ProfileError)) throw new Error(`expected a ProfileError, got ${String(error)}`);
  return error.issues.map(({ field, found }) => ({ field, found }));
}

describe('WebDAV secrets and TLS files', () => {
  test('the password from an environment variable, a bearer token from a file, TLS paths resolved against the profile', async () => {
    await folder.write('token', 'tok-123\n');
    const file = await folder.write(
      'profile.yaml',
      webdavProfile(
        '  username: store\n  passwordEnv: STORE_DAV_PASSWORD\n  bearerTokenFile: token\n  tls:\n    caFile: hq-ca.pem\n    certFile: /etc/ssl/store.pem\n    keyFile: store.key\n',
      ),
    );
    const profile = await loadProfile(file, { env: { STORE_DAV_PASSWORD: 'from-env' } });
    expect(profile.workingFolder).toEqual({
      adapter: 'webdav',
      url: 'https://hq.example/dav/',
      username: 'store',
      password: 'from-env',
      bearerToken: 'tok-123',
      timeoutSeconds: 30,
      tls: { caFile: path.join(folder.root, 'hq-ca.pem'), certFile: '/etc/ssl/store.pem', keyFile: path.join(folder.root, 'store.key') },
    });
  });

  test('the bearer token from an environment variable', async () => {
    const file = await folder.write('profile.yaml', webdavProfile('  bearerTokenEnv: HQ_TOKEN\n'));
    expect((await loadProfile(file, { env: { HQ_TOKEN: 'abc' } })).workingFolder).toMatchObject({ bearerToken: 'abc' });
  });

  test('a variable that is not set or empty, and a token file that is missing, are problems at their field', async () => {
    expect(await issuesOf(webdavProfile('  passwordEnv: NOPE\n'))).toEqual([
      { field: 'workingFolder.passwordEnv', found: '"NOPE", which is not set' },
    ]);
    expect(await issuesOf(webdavProfile('  bearerTokenEnv: EMPTY\n'), { EMPTY: '' })).toEqual([
      { field: 'workingFolder.bearerTokenEnv', found: '"EMPTY", which is empty' },
    ]);
    expect(await issuesOf(webdavProfile('  bearerTokenFile: gone.token\n'))).toEqual([
      { field: 'workingFolder.bearerTokenFile', found: '"gone.token" (ENOENT)' },
    ]);
  });

  test('two sources of one secret, a client certificate without its key, TLS files for plain http', async () => {
    expect(await issuesOf(webdavProfile('  passwordEnv: A\n  password: b\n'), { A: 'a' })).toEqual([
      expect.objectContaining({ field: 'workingFolder.passwordEnv', found: 'both' }),
    ]);
    expect(await issuesOf(webdavProfile('  bearerTokenEnv: A\n  bearerTokenFile: t\n'))).toEqual([
      expect.objectContaining({ field: 'workingFolder.bearerTokenEnv', found: 'both' }),
    ]);
    expect(await issuesOf(webdavProfile('  tls:\n    certFile: c.pem\n'))).toEqual([{ field: 'workingFolder.tls', found: 'no keyFile' }]);
    const plain = webdavProfile('  tls:\n    caFile: ca.pem\n').replace('https://hq.example', 'http://hq.example');
    expect(await issuesOf(plain)).toEqual([{ field: 'workingFolder.tls', found: 'http:' }]);
  });

  test('an environment variable name that cannot be one', async () => {
    expect(await issuesOf(webdavProfile('  passwordEnv: "1-BAD"\n'))).toEqual([
      expect.objectContaining({ field: 'workingFolder.passwordEnv' }),
    ]);
  });
});
