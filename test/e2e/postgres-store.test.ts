import { once } from 'node:events';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { uploadFileName } from '../../src/upload/upload-package.js';
import { type PostgresTestDatabase, postgresTestDatabase } from '../support/postgres-server.js';
import { useTempStore } from '../support/store-fixture.js';
import type { TempStore } from '../support/temp-store.js';
import { seededRandom } from '../support/seeded-random.js';
import { until } from '../support/until.js';
import { Backlog, CHANNEL } from './download-backlog.js';

const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);

/** The store's profile pointing at the test database, with the password in a file beside it; sales uploaded every second. */
async function writePostgresProfile(store: TempStore, database: PostgresTestDatabase): Promise<void> {
  const { target } = database;
  await writeFile(path.join(store.root, 'db-password'), `${target.password}\n`);
  await store.writeProfile({ upload: '*/1 * * * * *', extra: 'upload:\n  tables:\n    - name: sale\n      counterColumn: counter\n' });
  const url = `postgres://${target.user}@${target.host}:${target.port}/${target.database}`;
  const text = await readFile(store.profilePath, 'utf8');
  await writeFile(
    store.profilePath,
    text.replace(
      `  id: ${CHANNEL}\n`,
      `  id: ${CHANNEL}\n  database:\n    engine: postgres\n    url: ${url}\n    passwordFile: db-password\n`,
    ),
  );
}

/** A store whose POS runs on PostgreSQL: the same daemon, the profile pointing at the server. */
describe('the daemon on a PostgreSQL channel database', () => {
  const fixture = useTempStore();
  let database: PostgresTestDatabase;
  beforeEach(async () => {
    database = await postgresTestDatabase();
  });
  afterEach(async () => {
    await database.cleanup();
  });

  it('applies a backlog in order exactly once and publishes the POS sales, with the password only in its file', async () => {
    const { store } = fixture;
    await database.admin('CREATE TABLE item (id bigint PRIMARY KEY, name text NOT NULL, price bigint NOT NULL)');
    await database.admin('CREATE SEQUENCE sale_counter');
    await database.admin(
      "CREATE TABLE sale (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, amount numeric(10,2) NOT NULL, counter bigint NOT NULL DEFAULT nextval('sale_counter'))",
    );
    await database.admin('CREATE INDEX ON sale (counter)');
    for (let i = 1; i <= 25; i += 1) await database.admin('INSERT INTO sale (amount) VALUES ($1)', [`${i}.50`]);
    const backlog = new Backlog(7, 300);
    const downloadArea = path.join(store.workingFolder, CHANNEL, 'download');
    for (let sequence = 1; sequence <= 3; sequence += 1) await backlog.publish(downloadArea, sequence);

    await writePostgresProfile(store, database);

    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    expect(await daemon.waitFor('daemon.ready')).toMatchObject({ channel: CHANNEL });
    await daemon.waitFor('download.applied', (line) => line.sequence === 3, { timeoutMs: 60_000 });
    await daemon.waitFor('upload.published', () => true, { timeoutMs: 60_000 });
    daemon.signal('SIGTERM');
    expect(await daemon.exit()).toEqual({ code: 0, signal: null });

    const items = await database.admin('SELECT id, name, price FROM item ORDER BY id');
    expect(items.rows.map((r) => [r.id, r.name, r.price])).toEqual([...backlog.expected.values()].sort((a, b) => a[0] - b[0]));
    const sessions = await database.admin(
      'SELECT sequence, status FROM async_client.download_session WHERE channel_id = $1 ORDER BY sequence',
      [CHANNEL],
    );
    expect(sessions.rows).toEqual([1, 2, 3].map((sequence) => ({ sequence, status: 'Applied' })));
    const uploads = await database.admin('SELECT rows, status FROM async_client.upload_session');
    expect(uploads.rows).toEqual([{ rows: 25, status: 'Uploaded' }]);
    expect(await readdir(path.join(store.workingFolder, CHANNEL, 'upload'))).toEqual([uploadFileName({ channelId: CHANNEL, sequence: 1 })]);
    expect(await database.admin('SELECT counter FROM async_client.watermark')).toMatchObject({ rows: [{ counter: 25 }] });
    const logged = JSON.stringify(daemon.named('daemon.ready')) + daemon.stderr();
    expect(logged).not.toContain(String(database.target.password));
  }, 180_000);

  it(`SIGKILL at random points of a backlog (seed ${SEED}): after restarts every package is applied exactly once`, async () => {
    const { store } = fixture;
    await database.admin('CREATE TABLE item (id bigint PRIMARY KEY, name text NOT NULL, price bigint NOT NULL)');
    await database.admin('CREATE TABLE sale (id bigint PRIMARY KEY, counter bigint NOT NULL)');
    await database.admin('CREATE INDEX ON sale (counter)');
    // Every row change counted, committed with the rows: a package applied twice would count twice.
    await database.admin('CREATE TABLE item_changes (changes bigint NOT NULL); INSERT INTO item_changes VALUES (0)');
    await database.admin(`CREATE FUNCTION count_item_change() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN UPDATE item_changes SET changes = changes + 1; RETURN NULL; END $$`);
    await database.admin(
      'CREATE TRIGGER item_changed AFTER INSERT OR UPDATE OR DELETE ON item FOR EACH ROW EXECUTE FUNCTION count_item_change()',
    );
    const backlog = new Backlog(SEED, 8000);
    const downloadArea = path.join(store.workingFolder, CHANNEL, 'download');
    for (let sequence = 1; sequence <= 8; sequence += 1) await backlog.publish(downloadArea, sequence);
    await writePostgresProfile(store, database);
    const applied = async (): Promise<number> => {
      // Before the daemon's first start there is no journal yet.
      const journal = await database.admin("SELECT to_regclass('async_client.download_session') AS found");
      if (journal.rows[0]?.found === null) return 0;
      return Number((await database.admin("SELECT COUNT(*) AS n FROM async_client.download_session WHERE status = 'Applied'")).rows[0]?.n);
    };
    const delay = seededRandom(SEED + 1);
    let killedMidBacklog = 0;
    for (let kill = 1; kill <= 6; kill += 1) {
      if (kill === 4) for (let sequence = 9; sequence <= 16; sequence += 1) await backlog.publish(downloadArea, sequence);
      const before = await applied();
      const run = fixture.start(['run', '--profile', store.profilePath]);
      const exited = once(run.child, 'exit');
      // Once a package is applied in this run, the next one is in flight: the kill lands inside its transaction or between two.
      await Promise.race([run.waitFor('download.applied', () => true, { timeoutMs: 60_000 }).catch(() => undefined), exited]);
      await Promise.race([sleep(Math.floor(delay() * 400)), exited]);
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      await exited;
      const after = await applied();
      if (after > before && after < 16) killedMidBacklog += 1;
    }
    const daemon = fixture.start(['run', '--profile', store.profilePath]);
    await daemon.waitFor('daemon.ready');
    await until('16 packages applied', async () => (await applied()) === 16);
    daemon.signal('SIGTERM');
    expect(await daemon.exit()).toEqual({ code: 0, signal: null });

    const items = await database.admin('SELECT id, name, price FROM item ORDER BY id');
    expect(items.rows.map((r) => [r.id, r.name, r.price])).toEqual([...backlog.expected.values()].sort((a, b) => a[0] - b[0]));
    expect((await database.admin('SELECT changes FROM item_changes')).rows).toEqual([{ changes: backlog.totalChanges() }]);
    const sessions = await database.admin('SELECT sequence, status, rows_affected FROM async_client.download_session ORDER BY sequence');
    expect(sessions.rows).toEqual(
      Array.from({ length: 16 }, (_, i) => ({ sequence: i + 1, status: 'Applied', rows_affected: { item: backlog.changes.get(i + 1) } })),
    );
    // Not a flake guard: the kills must have cut into the backlog for the test to mean anything.
    expect(killedMidBacklog).toBeGreaterThan(0);
  }, 180_000);
});
