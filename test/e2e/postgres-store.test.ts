import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { uploadFileName } from '../../src/upload/upload-package.js';
import { type PostgresTestDatabase, postgresTestDatabase } from '../support/postgres-server.js';
import { useTempStore } from '../support/store-fixture.js';
import { Backlog, CHANNEL } from './download-backlog.js';

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

    const { target } = database;
    await writeFile(path.join(store.root, 'db-password'), `${target.password}\n`);
    await store.writeProfile({
      upload: '*/1 * * * * *',
      extra: 'upload:\n  tables:\n    - name: sale\n      counterColumn: counter\n',
    });
    await writeFile(
      store.profilePath,
      (await readFile(store.profilePath, 'utf8')).replace(
        `  id: ${CHANNEL}\n`,
        `  id: ${CHANNEL}\n  database:\n    engine: postgres\n    url: postgres://${target.user}@${target.host}:${target.port}/${target.database}\n    passwordFile: db-password\n`,
      ),
    );

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
    expect(logged).not.toContain(String(target.password));
  });
});
