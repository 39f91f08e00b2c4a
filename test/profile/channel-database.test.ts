import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/observe/logger.js';
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

function postgresProfile(lines: string): string {
  return MINIMAL_PROFILE.replace('  id: store-0042\n', `  id: store-0042\n  database:\n    engine: postgres\n${lines}`);
}

async function issuesOf(text: string, env: NodeJS.ProcessEnv = {}): Promise<Array<{ field: string; line: number; found: string }>> {
  const file = await folder.write('profile.yaml', text);
  const error = await loadProfile(file, { env }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ProfileError)) throw new Error(`expected a ProfileError, got ${String(error)}`);
  return error.issues.map(({ field, line, found }) => ({ field, line, found }));
}

describe('channel.database: a SQLite path or a PostgreSQL server', () => {
  test('a PostgreSQL server: URL, defaults, the password read from its file, the CA resolved against the profile', async () => {
    await folder.write('db-password', 'pg-secret\n');
    const file = await folder.write(
      'profile.yaml',
      postgresProfile(
        '    url: postgres://store_sync@db.store.lan:5433/pos\n    passwordFile: db-password\n    sslmode: verify-full\n    caFile: db-ca.pem\n',
      ),
    );
    const profile = await loadProfile(file, { env: {} });
    expect(profile.channel.database).toEqual({
      engine: 'postgres',
      url: 'postgres://store_sync@db.store.lan:5433/pos',
      password: 'pg-secret',
      schema: 'public',
      journalSchema: 'async_client',
      sslmode: 'verify-full',
      caFile: path.join(folder.root, 'db-ca.pem'),
      lockTimeoutSeconds: 5,
      statementTimeoutSeconds: 0,
    });
  });

  test('host, port, database and user fields, the password from the environment, and it never reaches a log line', async () => {
    const file = await folder.write(
      'profile.yaml',
      postgresProfile(
        '    host: 127.0.0.1\n    port: 5432\n    database: pos\n    user: store_sync\n    passwordEnv: STORE_DB_PASSWORD\n    schema: pos\n',
      ),
    );
    const profile = await loadProfile(file, { env: { STORE_DB_PASSWORD: 'from-env-secret' } });
    expect(profile.channel.database).toMatchObject({
      host: '127.0.0.1',
      port: 5432,
      database: 'pos',
      user: 'store_sync',
      password: 'from-env-secret',
      schema: 'pos',
    });
    let logged = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    createLogger('info', sink).info({ profile }, 'profile.loaded');
    expect(logged).toContain('store_sync');
    expect(logged).not.toContain('from-env-secret');
  });

  test('a path stays a SQLite database', async () => {
    const file = await folder.write(
      'profile.yaml',
      MINIMAL_PROFILE.replace('  id: store-0042\n', '  id: store-0042\n  database: db/channel.sqlite\n'),
    );
    expect((await loadProfile(file, { env: {} })).channel.database).toBe(path.join(folder.root, 'db/channel.sqlite'));
  });

  test.each([
    ['a password in the URL', '    url: postgres://store:secret@db/pos\n', 'channel.database.url'],
    ['an unknown sslmode', '    sslmode: sometimes\n', 'channel.database.sslmode'],
    ['a schema that is not a plain identifier', '    schema: "pos; drop"\n', 'channel.database.schema'],
    ['an unknown field', '    pasword: x\n', 'channel.database.pasword'],
  ])('%s is refused at its field', async (_, lines, field) => {
    expect(await issuesOf(postgresProfile(lines))).toEqual([expect.objectContaining({ field })]);
  });

  test('a password file that cannot be read is refused at its field, naming the file', async () => {
    expect(await issuesOf(postgresProfile('    passwordFile: missing-password\n'))).toEqual([
      expect.objectContaining({ field: 'channel.database.passwordFile', found: expect.stringContaining('missing-password') }),
    ]);
  });

  test('another engine is refused at the engine field', async () => {
    expect(await issuesOf(MINIMAL_PROFILE.replace('  id: store-0042\n', '  id: store-0042\n  database:\n    engine: mysql\n'))).toEqual([
      expect.objectContaining({ field: 'channel.database.engine' }),
    ]);
  });
});
