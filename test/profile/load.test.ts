import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProfile } from '../../src/profile/load.js';
import { UPLOAD_RETRY_FIRST_SECONDS, UPLOAD_RETRY_MAX_SECONDS } from '../../src/upload/retry-backoff.js';
import { located, useProfileLoads } from './profile-loads.js';
import { MINIMAL_PROFILE } from './profile-files.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const profiles = useProfileLoads();
const { loadError } = profiles;

describe('loadProfile: valid profiles', () => {
  test('fills every default and resolves relative paths against the profile folder', async () => {
    const file = await profiles.folder.write('profile.yaml', MINIMAL_PROFILE);
    const profile = await loadProfile(file);
    expect(profile).toEqual({
      sourcePath: file,
      profile: { name: 'Store 0042', downloadIntervalMinutes: 15, uploadIntervalMinutes: 15 },
      schedule: {},
      channel: { id: 'store-0042', database: '/var/lib/async-client/channel.sqlite' },
      workingFolder: { adapter: 'local', path: path.join(profiles.folder.root, 'exchange') },
      stateDirectory: '/var/lib/async-client',
      log: { level: 'info' },
      daemon: { shutdownGraceSeconds: 30, startJitterSeconds: 30, journalRetentionDays: 90 },
      download: {
        tryLimit: 3,
        retryBackoffSeconds: 60,
        gapReportMinutes: 60,
        allowCreateTables: false,
        pollSeconds: 60,
        watchPolling: false,
      },
      upload: {
        maxRowsPerPackage: 50000,
        retryBackoffSeconds: UPLOAD_RETRY_FIRST_SECONDS,
        retryBackoffMaxSeconds: UPLOAD_RETRY_MAX_SECONDS,
        tables: [],
      },
    });
  });

  test('resolves state directory, database and public key against the profile folder, keeps absolute paths', async () => {
    const file = await profiles.folder.write(
      'profile.yaml',
      `${MINIMAL_PROFILE}stateDirectory: ../state\ndownload:\n  publicKey: keys/hq.pub.pem\ndaemon:\n  health: {}\n`,
    );
    const profile = await loadProfile(file);
    const state = path.resolve(profiles.folder.root, '../state');
    expect(profile.stateDirectory).toBe(state);
    expect(profile.channel.database).toBe(path.join(state, 'channel.sqlite'));
    expect(profile.download.publicKey).toBe(path.join(profiles.folder.root, 'keys/hq.pub.pem'));
    expect(profile.daemon.health).toEqual({ host: '127.0.0.1', port: 9465 });

    const absolute = await profiles.folder.write(
      'absolute.yaml',
      MINIMAL_PROFILE.replace('path: exchange', 'path: /mnt/hq').replace(
        '  id: store-0042',
        '  id: store-0042\n  database: db/channel.sqlite',
      ),
    );
    const fromCwd = await loadProfile('absolute.yaml', { cwd: profiles.folder.root });
    expect(fromCwd.workingFolder).toEqual({ adapter: 'local', path: '/mnt/hq' });
    expect(fromCwd.channel.database).toBe(path.join(profiles.folder.root, 'db/channel.sqlite'));
    expect(fromCwd.sourcePath).toBe(absolute);
  });

  test('reads the WebDAV password from passwordFile, dropping the trailing newline', async () => {
    await profiles.folder.write('webdav.password', 's3cret\n');
    const file = await profiles.folder.write(
      'profile.yaml',
      MINIMAL_PROFILE.replace(
        'adapter: local\n  path: exchange',
        'adapter: webdav\n  url: https://hq.example/dav/\n  username: store\n  passwordFile: webdav.password',
      ),
    );
    expect((await loadProfile(file)).workingFolder).toEqual({
      adapter: 'webdav',
      url: 'https://hq.example/dav/',
      username: 'store',
      password: 's3cret',
      timeoutSeconds: 30,
    });
  });

  test('keeps schedule overrides and the time zone', async () => {
    const file = await profiles.folder.write(
      'profile.yaml',
      `${MINIMAL_PROFILE}schedule:\n  download: "0 */15 8-22 * * *"\n  upload: "*/5 * * * * *"\n  timezone: Europe/Paris\n`,
    );
    expect((await loadProfile(file)).schedule).toEqual({
      download: '0 */15 8-22 * * *',
      upload: '*/5 * * * * *',
      timezone: 'Europe/Paris',
    });
  });

  test('loads config/profile.example.yaml: the embedded defaults of `npm start`', async () => {
    const example = path.join(repositoryRoot, 'config/profile.example.yaml');
    const profile = await loadProfile(example);
    expect(profile.profile).toMatchObject({ downloadIntervalMinutes: 1, uploadIntervalMinutes: 1 });
    expect(profile.schedule).toEqual({});
    expect(profile.workingFolder).toEqual({ adapter: 'local', path: path.join(repositoryRoot, 'var/working-folder') });
    expect(profile.stateDirectory).toBe(path.join(repositoryRoot, 'var'));
    expect(profile.channel.database).toBe(path.join(repositoryRoot, 'var/channel.sqlite'));
    expect(profile.log.level).toBe('info');
    expect(profile.daemon.health).toEqual({ host: '127.0.0.1', port: 9465 });
  });
});

describe('loadProfile: bad values point at the value', () => {
  test.each([
    ['0', '0'],
    ['-5', '-5'],
    ['1.5', '1.5'],
    ['1441', '1441'],
    ['"15"', '"15"'],
    ['fifteen', '"fifteen"'],
    ['', 'an empty value'],
  ])('downloadIntervalMinutes: %s', async (written, found) => {
    const error = await loadError(MINIMAL_PROFILE.replace('downloadIntervalMinutes: 15', `downloadIntervalMinutes: ${written}`));
    expect(error.code).toBe('E_PROFILE_INVALID');
    const file = path.join(profiles.folder.root, 'profile.yaml');
    expect(error.message).toBe(
      `${file}:3:28 profile.downloadIntervalMinutes: expected a whole number of minutes from 1 to 1440, found ${found}`,
    );
  });

  test('a channel id that cannot go into file names', async () => {
    const error = await loadError(MINIMAL_PROFILE.replace('id: store-0042', 'id: ../etc'));
    expect(error.issues).toEqual([expect.objectContaining({ line: 6, column: 7, field: 'channel.id', found: '"../etc"' })]);
  });

  test("an invalid cron pattern, with croner's reason", async () => {
    const error = await loadError(`${MINIMAL_PROFILE}schedule:\n  upload: "61 * * * * *"\n`);
    expect(located(error.issues)).toEqual(['11:11 schedule.upload']);
    expect(error.issues[0]?.found).toMatch(/^"61 \* \* \* \* \*" \(.*second.*\)$/i);
  });

  test('a cron pattern that never fires and an unknown time zone', async () => {
    const error = await loadError(`${MINIMAL_PROFILE}schedule:\n  download: "0 0 0 30 2 *"\n  timezone: Mars/Olympus\n`);
    expect(located(error.issues)).toEqual(['11:13 schedule.download', '12:13 schedule.timezone']);
    expect(error.issues[0]?.found).toContain('never fires');
    expect(error.issues[1]?.found).toBe('"Mars/Olympus", which is not a known time zone');
  });

  test('an unknown adapter, and the options of the adapter it names', async () => {
    const unknown = await loadError(MINIMAL_PROFILE.replace('adapter: local', 'adapter: ftp'));
    expect(unknown.issues).toEqual([
      expect.objectContaining({ line: 8, column: 12, field: 'workingFolder.adapter', expected: '"local" or "webdav"', found: '"ftp"' }),
    ]);
    const webdav = await loadError(
      MINIMAL_PROFILE.replace('adapter: local\n  path: exchange', 'adapter: webdav\n  url: ftp://hq\n  timeoutSeconds: 0'),
    );
    expect(located(webdav.issues)).toEqual(['9:8 workingFolder.url', '10:19 workingFolder.timeoutSeconds']);
  });

  test('password and passwordFile together, or a passwordFile that does not exist', async () => {
    const webdav = 'adapter: webdav\n  url: https://hq/\n  password: a\n  passwordFile: missing.password';
    const both = await loadError(MINIMAL_PROFILE.replace('adapter: local\n  path: exchange', webdav));
    expect(both.issues).toEqual([expect.objectContaining({ line: 11, column: 3, field: 'workingFolder.passwordFile', found: 'both' })]);
    const missing = await loadError(MINIMAL_PROFILE.replace('adapter: local\n  path: exchange', webdav.replace('  password: a\n', '')));
    expect(missing.issues).toEqual([
      expect.objectContaining({ line: 10, column: 17, field: 'workingFolder.passwordFile', found: '"missing.password" (ENOENT)' }),
    ]);
  });

  test('the same upload table twice, and a table name that is not an identifier', async () => {
    const tables = 'upload:\n  tables:\n    - name: sales\n      counterColumn: rowid\n    - name: sales\n      counterColumn: rowid\n';
    const twice = await loadError(MINIMAL_PROFILE + tables);
    expect(located(twice.issues)).toEqual(['14:13 upload.tables[1].name']);
    const bad = await loadError(
      MINIMAL_PROFILE + tables.replace('- name: sales\n      counterColumn: rowid\n', '- name: "drop table"\n      counterColumn: rowid\n'),
    );
    expect(located(bad.issues)).toEqual(['12:13 upload.tables[0].name']);
  });

  test('every problem on its own line, in file order', async () => {
    const error = await loadError(
      MINIMAL_PROFILE.replace('downloadIntervalMinutes: 15', 'downloadIntervalMinutes: 0').replace('id: store-0042', 'id: ""') +
        'log:\n  level: loud\n',
    );
    const file = path.join(profiles.folder.root, 'profile.yaml');
    expect(error.message.split('\n')).toEqual([
      `${file}:3:28 profile.downloadIntervalMinutes: expected a whole number of minutes from 1 to 1440, found 0`,
      `${file}:6:7 channel.id: expected 1 to 64 letters, digits, '_' or '-', starting with a letter or digit, found ""`,
      `${file}:11:10 log.level: expected one of fatal, error, warn, info, debug, trace, silent, found "loud"`,
    ]);
  });
});

describe('loadProfile: unknown keys and missing fields', () => {
  test('an unknown key at any depth points at the key and lists the known ones', async () => {
    const error = await loadError(
      MINIMAL_PROFILE.replace('uploadIntervalMinutes: 15', 'uploadIntervalMinutes: 15\n  uploadIntervalMinute: 15') +
        'daemon:\n  health:\n    hots: 0.0.0.0\nlogLevel: info\n',
    );
    expect(located(error.issues)).toEqual(['5:3 profile.uploadIntervalMinute', '13:5 daemon.health.hots', '14:1 logLevel']);
    expect(error.issues[0]).toMatchObject({
      expected: 'one of the fields name, description, downloadIntervalMinutes, uploadIntervalMinutes',
      found: 'an unknown field "uploadIntervalMinute"',
    });
  });

  test('a missing field points at the map it is missing from', async () => {
    const error = await loadError(MINIMAL_PROFILE.replace('  name: Store 0042\n', ''));
    expect(error.message).toBe(
      `${path.join(profiles.folder.root, 'profile.yaml')}:2:3 profile.name: expected text of 1 to 100 characters, found nothing (the field is missing)`,
    );
  });

  test('a missing section points at the top of the document', async () => {
    const error = await loadError(`# store profile\n${MINIMAL_PROFILE.replace('channel:\n  id: store-0042\n', '')}`);
    expect(located(error.issues)).toEqual(['2:1 channel']);
  });

  test('a missing adapter', async () => {
    const error = await loadError(MINIMAL_PROFILE.replace('  adapter: local\n', ''));
    expect(error.issues).toEqual([
      expect.objectContaining({ line: 8, column: 3, field: 'workingFolder.adapter', found: 'nothing (the field is missing)' }),
    ]);
  });
});
