import pg from 'pg';
import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import { openPostgresChannelDatabase } from '../../src/channel/postgres-channel-database.js';
import { Decimal, type RowBatch } from '../../src/package/types.js';
import { freePort } from '../../bench/support/dav-servers.js';
import {
  type PostgresCluster,
  startPostgresCluster,
  startPostgresServer,
  stopPostgresCluster,
  stopPostgresServer,
} from '../../bench/support/postgres-cluster.js';
import { applied, manifest, PRODUCT, seen, stream, table, upserts } from './fixtures.js';
import { openPostgresSubject } from './postgres-subject.js';

const rows = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => [from + i, `product ${from + i}`, new Decimal('1.50')]);

describe('PostgreSQL channel database: bad input and faults', () => {
  let subject: Awaited<ReturnType<typeof openPostgresSubject>>;
  const extra: ChannelDatabase[] = [];
  const pos: pg.Client[] = [];
  beforeEach(async () => {
    subject = await openPostgresSubject();
  });
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((db) => db.close()));
    await Promise.all(pos.splice(0).map((client) => client.end()));
    await subject.cleanup();
  });

  const posSession = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: subject.database.url });
    await client.connect();
    pos.push(client);
    return client;
  };
  const productRows = async () => (await subject.query('SELECT COUNT(*) AS n FROM product'))[0]?.n;
  const createProduct = () => subject.pos('CREATE TABLE product (id bigint PRIMARY KEY, name text, price numeric)');

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
      { ...subject.database.target, password: 'not-the-password' },
      { channelId: 'store-1' },
    ).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'E_DATABASE_AUTH', message: expect.stringContaining('password') });
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('not-the-password');
  });

  describe('a least-privilege service user', () => {
    const openAs = async (): Promise<ChannelDatabase> => {
      const db = await openPostgresChannelDatabase(
        { ...subject.database.target, user: 'store_sync', password: 'sync-pass' },
        { channelId: 'store-1' },
      );
      extra.push(db);
      return db;
    };
    beforeEach(async () => {
      await createProduct();
      // The grants of README "Use PostgreSQL", less what a test takes away.
      await subject.pos(
        `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'store_sync') THEN CREATE ROLE store_sync LOGIN PASSWORD 'sync-pass'; END IF; END $$`,
      );
      await subject.pos('CREATE SCHEMA sync_journal AUTHORIZATION store_sync');
      await subject.pos('GRANT USAGE ON SCHEMA public TO store_sync');
      await subject.pos('GRANT SELECT, INSERT, UPDATE ON product TO store_sync');
    });
    afterEach(async () => {
      await Promise.all(extra.splice(0).map((db) => db.close()));
      await subject.pos('DROP SCHEMA sync_journal CASCADE');
      await subject.pos('DROP OWNED BY store_sync');
    });

    test('migrates its own journal schema without any right on the database, and a missing grant names table and privilege', async () => {
      const db = await openPostgresChannelDatabase(
        { ...subject.database.target, user: 'store_sync', password: 'sync-pass', journalSchema: 'sync_journal' },
        { channelId: 'store-1' },
      );
      extra.push(db);
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
      await subject.pos('GRANT DELETE ON product TO store_sync');
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
        { ...subject.database.target, user: 'store_sync', password: 'sync-pass', journalSchema: 'fresh_journal' },
        { channelId: 'store-1' },
      );
      extra.push(fresh);
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

  describe('a table whose types cannot hold the values: refused, nothing written, naming row and column', () => {
    test.each([
      [
        'a decimal with more places than numeric(8,2) keeps',
        'numeric(8,2)',
        new Decimal('1.255'),
        'E_VALUE_RANGE',
        /row 2 of table product: decimal 1\.255 has 3 digits/,
      ],
      ['a decimal past numeric(4,2)', 'numeric(4,2)', new Decimal('123.45'), 'E_VALUE_RANGE', /row 2 of table product, column price/],
      ['text longer than varchar(5)', 'varchar(5)', 'too long for it', 'E_VALUE_RANGE', /row 2 of table product, column price/],
    ])('%s', async (_, type, value, code, message) => {
      await subject.pos(`CREATE TABLE product (id bigint PRIMARY KEY, name text, price ${type})`);
      const spec = type.startsWith('varchar')
        ? table(
            'product',
            [
              ['id', 'integer', false],
              ['name', 'string'],
              ['price', 'string'],
            ],
            ['id'],
          )
        : PRODUCT;
      const session = await seen(subject.db, 1);
      await expect(
        subject.db.applyPackage(
          manifest(1, 'incremental', [spec]),
          stream(
            upserts(spec, [
              [1, 'fits', type.startsWith('varchar') ? 'ok' : new Decimal('1.25')],
              [2, 'does not', value],
            ]),
          ),
          {
            sessionId: session.id,
            allowCreateTables: false,
          },
        ),
      ).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
      expect(await productRows()).toBe(0);
      expect((await subject.db.downloads.find(session.id))?.status).toBe('Available');
    });

    test('an integer past a 32-bit column', async () => {
      await subject.pos('CREATE TABLE product (id integer PRIMARY KEY, name text, price numeric)');
      const session = await seen(subject.db, 1);
      await expect(
        subject.db.applyPackage(
          manifest(1, 'incremental', [PRODUCT]),
          stream(
            upserts(PRODUCT, [
              [1, 'a', null],
              [2 ** 40, 'b', null],
            ]),
          ),
          { sessionId: session.id, allowCreateTables: false },
        ),
      ).rejects.toMatchObject({
        code: 'E_VALUE_RANGE',
        message: expect.stringMatching(/row 2 of table product, column id.*out of range/),
      });
    });

    test('money in a float column is refused before any write: floats are not exact', async () => {
      await subject.pos('CREATE TABLE product (id bigint PRIMARY KEY, name text, price double precision)');
      const session = await seen(subject.db, 1);
      await expect(
        subject.db.applyPackage(manifest(1, 'incremental', [PRODUCT]), stream(upserts(PRODUCT, rows(1, 1))), {
          sessionId: session.id,
          allowCreateTables: false,
        }),
      ).rejects.toMatchObject({
        code: 'E_SCHEMA_COLUMN_TYPE',
        message: expect.stringContaining('declares column price as double precision'),
      });
    });
  });

  test('the connection killed with pg_terminate_backend mid-COPY: E_DATABASE_UNREACHABLE, nothing applied, the next try goes through', async () => {
    await applied(subject.db, manifest(1, 'full', [PRODUCT]), upserts(PRODUCT, rows(1, 5)));
    const session = await seen(subject.db, 2);
    async function* killedMidway(): AsyncIterable<RowBatch> {
      yield upserts(PRODUCT, rows(100, 1000));
      await subject.pos(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'async-client' AND query LIKE 'COPY%'",
      );
      yield upserts(PRODUCT, rows(1100, 1000));
    }
    await expect(
      subject.db.applyPackage(manifest(2, 'full', [PRODUCT]), killedMidway(), { sessionId: session.id, allowCreateTables: false }),
    ).rejects.toMatchObject({
      code: 'E_DATABASE_UNREACHABLE',
    });
    expect(await productRows()).toBe(5);
    expect((await subject.db.downloads.find(session.id))?.status).toBe('Available');
    expect(
      await subject.db.applyPackage(manifest(2, 'full', [PRODUCT]), stream(upserts(PRODUCT, rows(100, 10))), {
        sessionId: session.id,
        allowCreateTables: false,
      }),
    ).toEqual({
      product: 10,
    });
  });

  test('a deadlock with the POS: E_DATABASE_BUSY for us, the POS goes on, and the apply goes through when tried again', async () => {
    await applied(subject.db, manifest(1, 'full', [PRODUCT]), upserts(PRODUCT, rows(1, 2)));
    const till = await posSession();
    await till.query("SET deadlock_timeout = '60s'"); // so that the deadlock is found on our side
    await till.query('BEGIN');
    await till.query("UPDATE product SET name = 'till' WHERE id = 1");
    const session = await seen(subject.db, 2);
    async function* lockingRow2First(): AsyncIterable<RowBatch> {
      yield upserts(PRODUCT, [
        [2, 'hq two', null],
        [1, 'hq one', null],
      ]);
    }
    const applying = subject.db.applyPackage(manifest(2, 'incremental', [PRODUCT]), lockingRow2First(), {
      sessionId: session.id,
      allowCreateTables: false,
    });
    await waitUntil(
      async () =>
        (await subject.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'async-client' AND wait_event_type = 'Lock'"))
          .length > 0,
    );
    const tillWrite = till.query("UPDATE product SET name = 'till' WHERE id = 2");
    await expect(applying).rejects.toMatchObject({ code: 'E_DATABASE_BUSY', message: expect.stringContaining('deadlock') });
    await tillWrite;
    await till.query('COMMIT');
    expect(
      await subject.db.applyPackage(manifest(2, 'incremental', [PRODUCT]), stream(upserts(PRODUCT, [[2, 'hq two', null]])), {
        sessionId: session.id,
        allowCreateTables: false,
      }),
    ).toEqual({
      product: 1,
    });
  });

  test('a POS lock held past the lock timeout: E_DATABASE_BUSY; past the statement timeout: E_DATABASE_TIMEOUT', async () => {
    await applied(subject.db, manifest(1, 'full', [PRODUCT]), upserts(PRODUCT, rows(1, 2)));
    const till = await posSession();
    await till.query('BEGIN');
    await till.query('LOCK TABLE product IN ACCESS EXCLUSIVE MODE');
    for (const [options, code] of [
      [{ lockTimeoutMs: 200 }, 'E_DATABASE_BUSY'],
      [{ lockTimeoutMs: 60_000, statementTimeoutMs: 200 }, 'E_DATABASE_TIMEOUT'],
    ] as const) {
      const db = await openPostgresChannelDatabase(subject.database.target, { channelId: 'store-1', ...options });
      extra.push(db);
      const session = await seen(db, 2);
      await expect(
        db.applyPackage(manifest(2, 'full', [PRODUCT]), stream(upserts(PRODUCT, rows(1, 1))), {
          sessionId: session.id,
          allowCreateTables: false,
        }),
      ).rejects.toMatchObject({
        code,
      });
      expect((await db.downloads.find(session.id))?.status).toBe('Available');
    }
    await till.query('COMMIT');
  });
});

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 500 && !(await condition()); tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('PostgreSQL server stopped in the middle of an apply', () => {
  let cluster: PostgresCluster;
  let db: ChannelDatabase | undefined;
  beforeAll(async () => {
    cluster = await startPostgresCluster(await freePort());
  });
  afterAll(async () => {
    await db?.close();
    await stopPostgresCluster(cluster);
  });

  test('E_DATABASE_UNREACHABLE, nothing half-applied; once the server is back the same package goes through', async () => {
    const target = { host: '127.0.0.1', port: cluster.port, database: 'postgres', user: 'postgres', password: cluster.password };
    db = await openPostgresChannelDatabase(target, { channelId: 'store-1' });
    await db.migrate();
    await applied(db, manifest(1, 'full', [PRODUCT]), upserts(PRODUCT, rows(1, 5)));
    const session = await seen(db, 2);
    async function* serverStopsMidway(): AsyncIterable<RowBatch> {
      yield upserts(PRODUCT, rows(100, 1000));
      await stopPostgresServer(cluster);
      yield upserts(PRODUCT, rows(1100, 1000));
    }
    await expect(
      db.applyPackage(manifest(2, 'full', [PRODUCT]), serverStopsMidway(), { sessionId: session.id, allowCreateTables: false }),
    ).rejects.toMatchObject({
      code: 'E_DATABASE_UNREACHABLE',
    });
    await expect(db.downloads.find(session.id)).rejects.toMatchObject({ code: 'E_DATABASE_UNREACHABLE' });
    cluster = await startPostgresServer(cluster);
    expect(await db.downloads.find(session.id)).toMatchObject({ status: 'Available' });
    expect(
      await db.applyPackage(manifest(2, 'full', [PRODUCT]), stream(upserts(PRODUCT, rows(100, 2000))), {
        sessionId: session.id,
        allowCreateTables: false,
      }),
    ).toEqual({
      product: 2000,
    });
    expect(await db.downloads.find(session.id)).toMatchObject({ status: 'Applied', rowsAffected: { product: 2000 } });
  });
});
