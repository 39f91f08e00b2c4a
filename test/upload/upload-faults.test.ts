import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import { FolderErrorCode, type WorkingFolder } from '../../src/workfolder/working-folder.js';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { UPLOAD_RETRY_FIRST_SECONDS } from '../../src/upload/retry-backoff.js';
import { setUploadWatermark } from '../../src/upload/set-watermark.js';
import { CHANNEL_ENGINES, POSTGRES } from '../channel/engines.js';
import { openAsServiceUser } from '../channel/postgres-service-user.js';
import { FaultyWorkingFolder } from '../support/faulty-working-folder.js';
import { canMount, mountTmpfs, remountReadOnly, unmount } from '../support/mounts.js';
import { CHANNEL, keyCounts, sequences, UploadRig } from './upload-rig.js';

const run = promisify(execFile);
const never = new AbortController().signal;

describe.each(CHANNEL_ENGINES)('upload cycle on $name: a sick working folder', (engine) => {
  let rig: UploadRig;
  beforeEach(async () => {
    rig = await UploadRig.create(engine);
  });
  afterEach(async () => {
    await rig.cleanup();
  });

  test('its built package removed before it is published (another uploader finished it): the run fails cleanly, the next one publishes', async () => {
    await rig.sell(2);
    const staged = path.join(rig.profile().stateDirectory, 'upload-staging', 'store-7_upload_000000000001.acpkg');
    const local = new LocalWorkingFolder(rig.folderRoot);
    let armed = true;
    const racing = new Proxy(local, {
      get(target, property, receiver) {
        if (property === 'ensureDir' && armed) {
          armed = false;
          return async (dir: string) => {
            await rm(staged);
            return target.ensureDir(dir);
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as WorkingFolder;
    const cycle = rig.cycle(racing);
    expect(await cycle.run(never)).toMatchObject({ outcome: 'failed' });
    expect(await rig.channelDatabase.uploads.findBySequence(1)).toMatchObject({
      status: 'UploadFailed',
      errorMessage: expect.stringContaining('ENOENT'),
    });
    rig.clock.advanceSeconds(UPLOAD_RETRY_FIRST_SECONDS);
    expect(await cycle.run(never)).toMatchObject({ outcome: 'done' });
    expect(sequences(await rig.published())).toEqual([1]);
  });

  const cases = [FolderErrorCode.unreachable, FolderErrorCode.full, FolderErrorCode.readOnly];
  test.each(cases)('%s: UploadFailed with the reason, retried with backoff, nothing lost when the folder comes back', async (code) => {
    const folder = new FaultyWorkingFolder(new LocalWorkingFolder(rig.folderRoot));
    const cycle = rig.cycle(folder);
    await rig.sell(4);
    folder.failNext('writeAtomic', code, Infinity);
    const failed = await cycle.run(never);
    expect(failed).toMatchObject({ outcome: 'failed', summary: expect.stringContaining(`upload sequence 1 failed (${code})`) });
    const session = await rig.channelDatabase.uploads.findBySequence(1);
    expect(session).toMatchObject({ status: 'UploadFailed', errorCode: code, errorMessage: expect.any(String), tries: 1, rows: 8 });
    expect(rig.events('upload.failed')).toEqual([expect.objectContaining({ sequence: 1, code, tries: 1 })]);
    expect(await rig.metric('async_client_upload_failures_total', { code })).toBe(1);
    expect(await rig.channelDatabase.uploads.watermarks()).toEqual(new Map());

    await rig.sell(3); // the POS keeps selling
    expect(await cycle.run(never)).toMatchObject({ outcome: 'idle', fields: expect.objectContaining({ waiting: 'retry' }) });
    expect(folder.calls('writeAtomic')).toBe(1);
    rig.clock.advanceSeconds(UPLOAD_RETRY_FIRST_SECONDS);
    expect(await cycle.run(never)).toMatchObject({ outcome: 'failed' });
    expect(await rig.channelDatabase.uploads.findBySequence(1)).toMatchObject({ status: 'UploadFailed', tries: 2 });

    folder.heal();
    rig.clock.advanceSeconds(2 * UPLOAD_RETRY_FIRST_SECONDS);
    expect(await cycle.run(never)).toMatchObject({ outcome: 'done', summary: 'published 2 packages (seq 1-2, 14 rows)' });
    const packages = await rig.published();
    expect(sequences(packages)).toEqual([1, 2]);
    expect(packages[0]?.rows.get('sale')?.map((r) => r[0])).toEqual([1, 2, 3, 4]);
    expect([...keyCounts(packages, 'sale_line').entries()]).toEqual([1, 2, 3, 4, 5, 6, 7].map((id) => [String(id), 1]));
  });

  test('a package that was Available is published with the bytes recorded then, even if its rows changed since', async () => {
    const folder = new FaultyWorkingFolder(new LocalWorkingFolder(rig.folderRoot));
    const cycle = rig.cycle(folder);
    await rig.sell(3);
    folder.failNext('writeAtomic', FolderErrorCode.unreachable);
    await cycle.run(never);
    const failed = await rig.channelDatabase.uploads.findBySequence(1);
    expect(failed).toMatchObject({
      status: 'UploadFailed',
      checksum: expect.stringMatching(/^[0-9a-f]{64}$/),
      availableAt: expect.any(Date),
    });
    await rig.subject.pos("UPDATE sale_line SET description = 'changed after the build' WHERE sale_id = 2");
    rig.clock.advanceSeconds(UPLOAD_RETRY_FIRST_SECONDS);
    expect(await cycle.run(never)).toMatchObject({ outcome: 'done' });
    const [pkg] = await rig.published();
    expect(pkg?.rows.get('sale_line')?.map((r) => r[4])).toEqual(['item', 'item', 'item']);
    expect(await rig.channelDatabase.uploads.findBySequence(1)).toMatchObject({ status: 'Uploaded', checksum: failed?.checksum });
  });

  (canMount ? test : test.skip)(
    'a real read-only mount: UploadFailed E_FOLDER_READ_ONLY, then everything once it is writable again',
    async () => {
      const mount = `${rig.root}/mnt`;
      await mkdir(mount);
      await mountTmpfs(mount, 16 * 1024 * 1024);
      try {
        await remountReadOnly(mount);
        const cycle = rig.cycle(new LocalWorkingFolder(mount));
        await rig.sell(5);
        expect(await cycle.run(never)).toMatchObject({ outcome: 'failed' });
        expect(await rig.channelDatabase.uploads.findBySequence(1)).toMatchObject({
          status: 'UploadFailed',
          errorCode: 'E_FOLDER_READ_ONLY',
        });
        await rig.sell(1);
        await run('mount', ['-o', 'remount,rw', mount]);
        rig.clock.advanceSeconds(UPLOAD_RETRY_FIRST_SECONDS);
        expect(await cycle.run(never)).toMatchObject({ outcome: 'done' });
        const packages = await rig.published(`${mount}/store-7/upload`);
        expect(sequences(packages)).toEqual([1, 2]);
        expect(keyCounts(packages, 'sale').size).toBe(6);
      } finally {
        await unmount(mount);
      }
    },
  );
});

describe.each(CHANNEL_ENGINES)('upload cycle on $name: bad input', (engine) => {
  let rig: UploadRig;
  beforeEach(async () => {
    rig = await UploadRig.create(engine);
    await rig.subject.pos(`CREATE TABLE refund (id INTEGER PRIMARY KEY, amount TEXT, counter TEXT, seq INTEGER);
      CREATE TABLE tally (amount TEXT, counter INTEGER); CREATE INDEX tally_counter ON tally (counter);`);
  });
  afterEach(async () => {
    await rig.cleanup();
  });

  test.each([
    ['a missing table', { name: 'voids', counterColumn: 'counter' }, 'E_UPLOAD_TABLE_MISSING', /does not exist/],
    [
      'a missing counter column',
      { name: 'refund', counterColumn: 'replication_counter' },
      'E_UPLOAD_COUNTER_MISSING',
      /has no column replication_counter/,
    ],
    ['a counter that is not an integer', { name: 'refund', counterColumn: 'counter' }, 'E_UPLOAD_COUNTER_TYPE', /not an integer/],
    [
      'a counter without an index',
      { name: 'refund', counterColumn: 'seq' },
      'E_UPLOAD_COUNTER_NOT_INDEXED',
      // The statement that fixes it, in each engine's dialect.
      /CREATE INDEX ("refund_seq" )?ON ("public"\.)?"refund" \("seq"\)/,
    ],
    ['a table without a primary key', { name: 'tally', counterColumn: 'counter' }, 'E_UPLOAD_TABLE_KEYLESS', /no primary key/],
  ])('%s is held back and reported; the other tables go on', async (_, table, code, message) => {
    rig.tables = [table, ...rig.tables];
    await rig.sell(2);
    const report = await rig.cycle().run(never);
    expect(report).toMatchObject({ outcome: 'failed', summary: `published 1 package (seq 1, 4 rows); held back: ${table.name} (${code})` });
    expect(rig.events('upload.table_held')).toEqual([
      expect.objectContaining({ table: table.name, code, message: expect.stringMatching(message) }),
    ]);
    expect(await rig.metric('async_client_upload_table_held', { table: table.name, code })).toBe(1);
    expect(keyCounts(await rig.published(), 'sale').size).toBe(2);
  });

  test('a counter gone backwards (a restored backup) holds that table until the operator sets its watermark; nothing is skipped', async () => {
    rig.tables = [...rig.tables, { name: 'refund', counterColumn: 'id' }];
    await rig.sell(3);
    const cycle = rig.cycle();
    await cycle.run(never);
    // The backup is restored: the last two sales are gone, then new ones reuse their ids.
    await rig.subject.pos('DELETE FROM sale WHERE id > 1; DELETE FROM sale_line WHERE sale_id > 1');
    await rig.restartSaleIdsAfter(1);
    expect(await cycle.run(never)).toMatchObject({
      outcome: 'failed',
      summary: 'held back: sale (E_UPLOAD_COUNTER_BACKWARDS), sale_line (E_UPLOAD_COUNTER_BACKWARDS)',
    });
    expect(rig.events('upload.table_held').at(-1)).toMatchObject({
      code: 'E_UPLOAD_COUNTER_BACKWARDS',
      message: expect.stringMatching(/below the 3 already published/),
    });
    await rig.sell(2); // sales 2 and 3 again: the highest counters are back at the watermarks
    await rig.subject.pos("INSERT INTO refund (id, amount) VALUES (1, '5.00')");
    const held = await cycle.run(never);
    expect(held).toMatchObject({ outcome: 'failed', fields: expect.objectContaining({ held: ['sale', 'sale_line'] }) });
    expect((await rig.published()).at(-1)?.rows.get('refund')).toHaveLength(1); // the other tables go on
    expect(await rig.metric('async_client_upload_table_held', { table: 'sale' })).toBe(1);

    // The operator: go on after sale 1, so that the new sales 2 and 3 travel.
    const stateDirectory = rig.profile().stateDirectory;
    expect(await setUploadWatermark(rig.channelDatabase.uploads, stateDirectory, 'sale', 1n)).toEqual({ wasHeld: true });
    expect(await setUploadWatermark(rig.channelDatabase.uploads, stateDirectory, 'sale_line', 1n)).toEqual({ wasHeld: true });
    expect(await cycle.run(never)).toMatchObject({ outcome: 'done' });
    expect(await rig.metric('async_client_upload_table_held')).toBe(0);
    const last = (await rig.published()).at(-1);
    expect(last?.rows.get('sale')?.map((r) => r[0])).toEqual([2, 3]);
    expect(last?.rows.get('sale_line')?.map((r) => r[0])).toEqual([2, 3]);
  });

  test('a value the format cannot carry fails the session, naming table, column and counter, and the rows wait for the fix', async () => {
    await rig.sell(2);
    // SQLite's DECIMAL column takes any text; PostgreSQL's numeric takes NaN. The package carries neither.
    await rig.subject.pos(`UPDATE sale SET total = '${{ SQLite: 'twelve', PostgreSQL: 'NaN' }[engine.name]}' WHERE id = 2`);
    const cycle = rig.cycle();
    expect(await cycle.run(never)).toMatchObject({ outcome: 'failed' });
    const session = await rig.channelDatabase.uploads.findBySequence(1);
    expect(session).toMatchObject({ status: 'UploadFailed', errorCode: 'E_VALUE_UNREPRESENTABLE' });
    expect(session?.errorMessage).toMatch(/upload table sale column total.*the row with id 2/);
    expect(await rig.published()).toEqual([]);
    await rig.subject.pos("UPDATE sale SET total = '12.00' WHERE id = 2");
    rig.clock.advanceSeconds(UPLOAD_RETRY_FIRST_SECONDS);
    expect(await cycle.run(never)).toMatchObject({ outcome: 'done' });
    expect(keyCounts(await rig.published(), 'sale').size).toBe(2);
  });
});

/** Bad input of PostgreSQL's own: a table the service user may not read, where SQLite has only the file's permissions. */
describe('upload cycle on PostgreSQL: a table the service user may not read', () => {
  let rig: UploadRig;
  let limited: ChannelDatabase | undefined;
  beforeEach(async () => {
    rig = await UploadRig.create(POSTGRES);
  });
  afterEach(async () => {
    await limited?.close();
    await rig.cleanup();
  });

  test('is held back naming the table, the privilege and the GRANT that fixes it; the other tables go on, and it goes once granted', async () => {
    limited = await openAsServiceUser(rig.subject, CHANNEL, 'store_upload', ['SELECT ON sale']);
    const cycle = rig.cycle(new LocalWorkingFolder(rig.folderRoot), limited);
    await rig.sell(2);
    expect(await cycle.run(never)).toMatchObject({
      outcome: 'failed',
      summary: 'published 1 package (seq 1, 2 rows); held back: sale_line (E_DATABASE_PERMISSION)',
    });
    expect(rig.events('upload.table_held')).toEqual([
      expect.objectContaining({
        table: 'sale_line',
        message: expect.stringContaining(
          'store_upload lacks the SELECT privilege on table public.sale_line: GRANT SELECT ON TABLE public.sale_line TO "store_upload"',
        ),
      }),
    ]);

    await rig.subject.pos('GRANT SELECT ON sale_line TO store_upload');
    expect(await cycle.run(never)).toMatchObject({ outcome: 'done', summary: 'published 1 package (seq 2, 2 rows)' });
    expect(keyCounts(await rig.published(), 'sale_line', 2).size).toBe(2);
    expect(await rig.metric('async_client_upload_table_held')).toBe(0);
  });
});
