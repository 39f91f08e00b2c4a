import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { uploadFileName } from '../../src/upload/upload-package.js';
import { type PostgresTestDatabase, postgresTestDatabase } from '../support/postgres-server.js';
import { useTempStore } from '../support/store-fixture.js';
import type { TempStore } from '../support/temp-store.js';
import { pointProfileAtPostgres } from './backlog-databases.js';
import { Backlog, CHANNEL } from './download-backlog.js';

/** The store's profile pointing at the test database, with the password in a file beside it; sales uploaded every second. */
async function writePostgresProfile(store: TempStore, database: PostgresTestDatabase): Promise<void> {
  await store.writeProfile({ upload: '*/1 * * * * *', extra: 'upload:\n  tables:\n    - name: sale\n      counterColumn: counter\n' });
  await pointProfileAtPostgres(store, database);
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
});
