import type { RowBatch } from '../../src/package/types.js';
import { useOwnCluster } from './postgres-own-cluster.js';
import { applied, manifest, PRODUCT, seen, stream, upserts } from './fixtures.js';
import { faultScenePerTest, productCount, rows } from './postgres-fault-scene.js';
import type { ChannelDatabaseSubject } from './subject.js';

describe('PostgreSQL channel database: the connection lost mid-apply', () => {
  const scene = faultScenePerTest();

  test('the connection killed with pg_terminate_backend mid-COPY: E_DATABASE_UNREACHABLE, nothing applied, the next try goes through', async () => {
    await applied(scene.subject().db, manifest(1, 'full', [PRODUCT]), upserts(PRODUCT, rows(1, 5)));
    const session = await seen(scene.subject().db, 2);
    async function* killedMidway(): AsyncIterable<RowBatch> {
      yield upserts(PRODUCT, rows(100, 1000));
      await scene
        .subject()
        .pos("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'async-client' AND query LIKE 'COPY%'");
      yield upserts(PRODUCT, rows(1100, 1000));
    }
    await expect(
      scene.subject().db.applyPackage(manifest(2, 'full', [PRODUCT]), killedMidway(), { sessionId: session.id, allowCreateTables: false }),
    ).rejects.toMatchObject({
      code: 'E_DATABASE_UNREACHABLE',
    });
    expect(await productCount(scene.subject())).toBe(5);
    expect((await scene.subject().db.downloads.find(session.id))?.status).toBe('Available');
    expect(
      await scene.subject().db.applyPackage(manifest(2, 'full', [PRODUCT]), stream(upserts(PRODUCT, rows(100, 10))), {
        sessionId: session.id,
        allowCreateTables: false,
      }),
    ).toEqual({
      product: 10,
    });
  });
});

describe('PostgreSQL server stopped in the middle of an apply', () => {
  const cluster = useOwnCluster();
  let subject: ChannelDatabaseSubject | undefined;
  afterEach(async () => {
    await subject?.cleanup();
  });

  test('E_DATABASE_UNREACHABLE, nothing half-applied; once the server is back the same package goes through', async () => {
    subject = await cluster.engine.open('store-1', '');
    const { db } = subject;
    await applied(db, manifest(1, 'full', [PRODUCT]), upserts(PRODUCT, rows(1, 5)));
    const session = await seen(db, 2);
    async function* serverStopsMidway(): AsyncIterable<RowBatch> {
      yield upserts(PRODUCT, rows(100, 1000));
      await cluster.stop();
      yield upserts(PRODUCT, rows(1100, 1000));
    }
    await expect(
      db.applyPackage(manifest(2, 'full', [PRODUCT]), serverStopsMidway(), { sessionId: session.id, allowCreateTables: false }),
    ).rejects.toMatchObject({
      code: 'E_DATABASE_UNREACHABLE',
    });
    await expect(db.downloads.find(session.id)).rejects.toMatchObject({ code: 'E_DATABASE_UNREACHABLE' });
    await cluster.start();
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
