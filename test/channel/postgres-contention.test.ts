import type { RowBatch } from '../../src/package/types.js';
import { openPostgresChannelDatabase } from '../../src/channel/postgres-channel-database.js';
import { applied, manifest, PRODUCT, seen, stream, upserts } from './fixtures.js';
import { faultScenePerTest, rows } from './postgres-fault-scene.js';

describe('PostgreSQL channel database: contention with the POS', () => {
  const scene = faultScenePerTest();

  test('a deadlock with the POS: E_DATABASE_BUSY for us, the POS goes on, and the apply goes through when tried again', async () => {
    await applied(scene.subject().db, manifest(1, 'full', [PRODUCT]), upserts(PRODUCT, rows(1, 2)));
    const till = await scene.posSession();
    await till.query("SET deadlock_timeout = '60s'"); // so that the deadlock is found on our side
    await till.query('BEGIN');
    await till.query("UPDATE product SET name = 'till' WHERE id = 1");
    const session = await seen(scene.subject().db, 2);
    async function* lockingRow2First(): AsyncIterable<RowBatch> {
      yield upserts(PRODUCT, [
        [2, 'hq two', null],
        [1, 'hq one', null],
      ]);
    }
    const applying = scene.subject().db.applyPackage(manifest(2, 'incremental', [PRODUCT]), lockingRow2First(), {
      sessionId: session.id,
      allowCreateTables: false,
    });
    await waitUntil(
      async () =>
        (await scene.subject().query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'async-client' AND wait_event_type = 'Lock'"))
          .length > 0,
    );
    const tillWrite = till.query("UPDATE product SET name = 'till' WHERE id = 2");
    await expect(applying).rejects.toMatchObject({ code: 'E_DATABASE_BUSY', message: expect.stringContaining('deadlock') });
    await tillWrite;
    await till.query('COMMIT');
    expect(
      await scene.subject().db.applyPackage(manifest(2, 'incremental', [PRODUCT]), stream(upserts(PRODUCT, [[2, 'hq two', null]])), {
        sessionId: session.id,
        allowCreateTables: false,
      }),
    ).toEqual({
      product: 1,
    });
  });

  test('a POS lock held past the lock timeout: E_DATABASE_BUSY; past the statement timeout: E_DATABASE_TIMEOUT', async () => {
    await applied(scene.subject().db, manifest(1, 'full', [PRODUCT]), upserts(PRODUCT, rows(1, 2)));
    const till = await scene.posSession();
    await till.query('BEGIN');
    await till.query('LOCK TABLE product IN ACCESS EXCLUSIVE MODE');
    for (const [options, code] of [
      [{ lockTimeoutMs: 200 }, 'E_DATABASE_BUSY'],
      [{ lockTimeoutMs: 60_000, statementTimeoutMs: 200 }, 'E_DATABASE_TIMEOUT'],
    ] as const) {
      const db = await openPostgresChannelDatabase(scene.subject().database.target, { channelId: 'store-1', ...options });
      scene.keep(db);
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
