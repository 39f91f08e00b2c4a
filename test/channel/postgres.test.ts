import { openPostgresChannelDatabase } from '../../src/channel/postgres-channel-database.js';
import { POSTGRES_JOURNAL_SCHEMA_VERSION } from '../../src/channel/postgres-migrations.js';
import { describeChannelDatabaseContract } from './contract.js';
import { manifest, seen, stream, table, upserts } from './fixtures.js';
import { openPostgresSubject } from './postgres-subject.js';

describeChannelDatabaseContract('postgres', () => openPostgresSubject());

describe('PostgreSQL channel database', () => {
  let subject: Awaited<ReturnType<typeof openPostgresSubject>>;
  beforeEach(async () => {
    subject = await openPostgresSubject();
  });
  afterEach(async () => {
    await subject.cleanup();
  });

  test('keeps its journal in a schema of its own and describes itself without the password', async () => {
    await expect(subject.db.check()).resolves.toBeUndefined();
    const description = subject.db.describe();
    expect(description).toMatchObject({
      engine: 'postgres',
      location: `postgres://postgres@127.0.0.1:${subject.database.target.port}/${subject.database.name}`,
      readonly: false,
      schemaVersion: POSTGRES_JOURNAL_SCHEMA_VERSION,
      settings: { schema: 'public', journalSchema: 'async_client', serverVersion: expect.stringMatching(/^PostgreSQL \d+/) },
    });
    expect(JSON.stringify(description)).not.toContain('test-superuser-pass');
    expect(await subject.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'async_client' ORDER BY 1")).toEqual(
      ['download_session', 'meta', 'upload_range', 'upload_session', 'watermark'].map((table_name) => ({ table_name })),
    );
  });

  test('a journal written by a newer build is refused, not guessed at', async () => {
    await subject.pos("UPDATE async_client.meta SET value = '99' WHERE key = 'schema_version'");
    await expect(subject.reopen()).rejects.toMatchObject({
      code: 'E_DATABASE_SCHEMA_NEWER',
      message: expect.stringContaining('schema version 99'),
    });
    await subject.pos(`UPDATE async_client.meta SET value = '${POSTGRES_JOURNAL_SCHEMA_VERSION}' WHERE key = 'schema_version'`);
  });

  test('migrating again changes nothing', async () => {
    const session = await seen(subject.db, 1);
    expect(await subject.db.migrate()).toBe(POSTGRES_JOURNAL_SCHEMA_VERSION);
    expect(await subject.db.downloads.find(session.id)).toMatchObject({ status: 'Available' });
  });

  test('text with a NUL character, which PostgreSQL text cannot hold, is refused by row, nothing written', async () => {
    const note = table(
      'note',
      [
        ['id', 'integer'],
        ['text', 'string'],
      ],
      ['id'],
    );
    const session = await seen(subject.db, 1);
    await expect(
      subject.db.applyPackage(
        manifest(1, 'full', [note]),
        stream(
          upserts(note, [
            [1, 'fine'],
            [2, 'a\u0000b'],
          ]),
        ),
        {
          sessionId: session.id,
          allowCreateTables: true,
        },
      ),
    ).rejects.toMatchObject({ code: 'E_VALUE_UNREPRESENTABLE', message: expect.stringContaining('row 2 of table note') });
    expect(await subject.query("SELECT to_regclass('public.note') AS found")).toEqual([{ found: null }]);
    expect((await subject.db.downloads.find(session.id))?.status).toBe('Available');
  });

  test('a password in the URL is refused: secrets live in a file or the environment', async () => {
    await expect(
      openPostgresChannelDatabase({ url: 'postgres://store:secret@127.0.0.1:1/store' }, { channelId: 'store-1' }),
    ).rejects.toMatchObject({ code: 'E_DATABASE_SECRET_IN_PROFILE', message: expect.not.stringContaining('secret@') });
  });
});
