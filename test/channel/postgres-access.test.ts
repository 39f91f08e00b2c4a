import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import { openPostgresChannelDatabase } from '../../src/channel/postgres-channel-database.js';
import { freePort } from '../../bench/support/dav-servers.js';
import { manifest, PRODUCT, seen, stream, upserts } from './fixtures.js';
import { faultScenePerTest, rows } from './postgres-fault-scene.js';

describe('PostgreSQL channel database: reaching the server and the rights to it', () => {
  const scene = faultScenePerTest();

  test('a server that is not there at start: E_DATABASE_UNREACHABLE naming where', async () => {
    const port = await freePort();
    await expect(
      openPostgresChannelDatabase({ host: '127.0.0.1', port, database: 'pos', user: 'store' }, { channelId: 'store-1' }),
    ).rejects.toMatchObject({
      code: 'E_DATABASE_UNREACHABLE',
      message: expect.stringContaining(`postgres://store@127.0.0.1:${port}/pos`),
    });
  });

  test('a wrong password: E_DATABASE_AUTH, and the password appears nowhere in the error', async () => {
    const error = await openPostgresChannelDatabase(
      { ...scene.subject().database.target, password: 'not-the-password' },
      { channelId: 'store-1' },
    ).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'E_DATABASE_AUTH', message: expect.stringContaining('password') });
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('not-the-password');
  });

  describe('a least-privilege service user', () => {
    const openAs = async (): Promise<ChannelDatabase> => {
      const db = await openPostgresChannelDatabase(
        { ...scene.subject().database.target, user: 'store_sync', password: 'sync-pass' },
        { channelId: 'store-1' },
      );
      scene.keep(db);
      return db;
    };
    beforeEach(async () => {
      await scene.subject().pos('CREATE TABLE product (id bigint PRIMARY KEY, name text, price numeric)');
      // The grants of README "Use PostgreSQL", less what a test takes away.
      await scene
        .subject()
        .pos(
          `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'store_sync') THEN CREATE ROLE store_sync LOGIN PASSWORD 'sync-pass'; END IF; END $$`,
        );
      await scene.subject().pos('CREATE SCHEMA sync_journal AUTHORIZATION store_sync');
      await scene.subject().pos('GRANT USAGE ON SCHEMA public TO store_sync');
      await scene.subject().pos('GRANT SELECT, INSERT, UPDATE ON product TO store_sync');
    });
    afterEach(async () => {
      await scene.closeKept();
      await scene.subject().pos('DROP SCHEMA sync_journal CASCADE');
      await scene.subject().pos('DROP OWNED BY store_sync');
    });

    test('migrates its own journal schema without any right on the database, and a missing grant names table and privilege', async () => {
      const db = await openPostgresChannelDatabase(
        { ...scene.subject().database.target, user: 'store_sync', password: 'sync-pass', journalSchema: 'sync_journal' },
        { channelId: 'store-1' },
      );
      scene.keep(db);
      expect(await db.migrate()).toBeGreaterThan(0);
      await expect(db.check()).resolves.toBeUndefined();
      const session = await seen(db, 1);
      await expect(
        db.applyPackage(manifest(1, 'incremental', [PRODUCT]), stream(upserts(PRODUCT, rows(1, 3))), {
          sessionId: session.id,
          allowCreateTables: false,
        }),
      ).rejects.toMatchObject({
        code: 'E_DATABASE_PERMISSION',
        message: expect.stringMatching(
          /store_sync lacks the DELETE privilege on table public\.product: GRANT DELETE ON TABLE public\.product TO "store_sync"/,
        ),
      });
      await scene.subject().pos('GRANT DELETE ON product TO store_sync');
      expect(
        await db.applyPackage(manifest(1, 'incremental', [PRODUCT]), stream(upserts(PRODUCT, rows(1, 3))), {
          sessionId: session.id,
          allowCreateTables: false,
        }),
      ).toEqual({
        product: 3,
      });
    });

    test('a journal schema it may neither create nor use is named', async () => {
      const fresh = await openPostgresChannelDatabase(
        { ...scene.subject().database.target, user: 'store_sync', password: 'sync-pass', journalSchema: 'fresh_journal' },
        { channelId: 'store-1' },
      );
      scene.keep(fresh);
      await expect(fresh.migrate()).rejects.toMatchObject({
        code: 'E_DATABASE_PERMISSION',
        message: expect.stringContaining('permission denied for database'),
      });
      // async_client, made by the superuser here, without a grant to store_sync.
      await expect(openAs()).rejects.toMatchObject({
        code: 'E_DATABASE_PERMISSION',
        message: expect.stringContaining('permission denied for schema async_client'),
      });
    });
  });
});
