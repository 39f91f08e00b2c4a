import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { uploadFileName, writeUploadPackage } from '../../src/upload/upload-package.js';
import { uploadTableConfigs } from '../../src/upload/upload-tables.js';
import { CHANNEL_ENGINES } from '../channel/engines.js';
import { keyCounts, sequences, UploadRig } from './upload-rig.js';

const never = new AbortController().signal;

describe.each(CHANNEL_ENGINES)('upload cycle on $name', (engine) => {
  let rig: UploadRig;
  beforeEach(async () => {
    rig = await UploadRig.create(engine);
  });
  afterEach(async () => {
    await rig.cleanup();
  });

  test('publishes the rows past the watermarks, moves them, and publishes nothing when nothing is new', async () => {
    const ids = await rig.sell(3);
    const cycle = rig.cycle();
    expect(await cycle.run(never)).toMatchObject({ outcome: 'done', summary: 'published 1 package (seq 1, 6 rows)' });
    const [pkg] = await rig.published();
    expect(pkg?.fileName).toBe('store-7_upload_000000000001.acpkg');
    expect(pkg?.manifest).toMatchObject({ direction: 'upload', channelId: 'store-7', sequence: 1, kind: 'incremental' });
    expect(pkg?.rows.get('sale')?.map((r) => r[0])).toEqual(ids);
    expect(pkg?.rows.get('sale_line')?.map((r) => r[0])).toEqual(ids);
    expect(await rig.channelDatabase.uploads.watermarks()).toEqual(
      new Map([
        ['sale', 3n],
        ['sale_line', 3n],
      ]),
    );
    expect(await rig.channelDatabase.uploads.findBySequence(1)).toMatchObject({
      status: 'Uploaded',
      rows: 6,
      fileName: pkg?.fileName,
      checksum: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(rig.events('upload.published')).toEqual([expect.objectContaining({ sequence: 1, rows: 6, file: pkg?.fileName })]);

    expect(await cycle.run(never)).toMatchObject({ outcome: 'idle' });
    expect(await rig.published()).toHaveLength(1);
    expect(rig.events('upload.idle')).toHaveLength(1);
    expect(await rig.metric('async_client_upload_idle_runs_total')).toBe(1);
    expect(await rig.metric('async_client_upload_packages_total')).toBe(1);
    expect(await rig.metric('async_client_upload_rows_total', { table: 'sale' })).toBe(3);
  });

  test('a backlog larger than maxRowsPerPackage becomes several packages in sequence within one run', async () => {
    rig.maxRowsPerPackage = 700;
    await rig.sell(1200);
    expect(await rig.cycle().run(never)).toMatchObject({ outcome: 'done', summary: 'published 4 packages (seq 1-4, 2400 rows)' });
    const packages = await rig.published();
    expect(sequences(packages)).toEqual([1, 2, 3, 4]);
    for (const pkg of packages) {
      const rows = [...pkg.rows.values()].reduce((sum, r) => sum + r.length, 0);
      expect(rows).toBeLessThanOrEqual(700);
    }
    for (const table of ['sale', 'sale_line']) {
      const counts = keyCounts(packages, table);
      expect(counts.size).toBe(1200);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    }
  });

  test('an aborted signal finishes the package in hand and starts no other', async () => {
    rig.maxRowsPerPackage = 10;
    await rig.sell(50);
    const controller = new AbortController();
    const cycle = rig.cycle();
    controller.abort();
    expect(await cycle.run(controller.signal)).toMatchObject({ outcome: 'idle' });
    expect(await rig.published()).toEqual([]);
    const run = cycle.run(new AbortController().signal);
    expect((await run).outcome).toBe('done');
    expect(await rig.published()).toHaveLength(10);
  });

  test("a table's filter decides which rows travel; the watermark still passes the rows it left out", async () => {
    rig.tables = [{ name: 'sale', counterColumn: 'id', filter: "till_id = 'T1'" }];
    await rig.sell(2);
    await rig.sell(1, 'T2');
    await rig.sell(1);
    await rig.cycle().run(never);
    const [pkg] = await rig.published();
    expect(pkg?.rows.get('sale')?.map((r) => [r[0], r[1]])).toEqual([
      [1, 'T1'],
      [2, 'T1'],
      [4, 'T1'],
    ]);
    expect(await rig.channelDatabase.uploads.watermarks()).toEqual(new Map([['sale', 4n]]));
  });

  test('after a crash between publishing and the watermark commit, the same sequence is published again with the same bytes', async () => {
    await rig.sell(5);
    const uploads = rig.channelDatabase.uploads;
    const planned = await uploads.snapshot((s) => s.plan(uploadTableConfigs(rig.profile().upload), 1000));
    const intent = await uploads.recordIntent(planned.ranges);
    // What the crashed run had published before it died.
    const crashed = path.join(rig.root, 'crashed.acpkg');
    const first = await writeUploadPackage(uploads, intent, uploadTableConfigs(rig.profile().upload), crashed);
    rig.clock.advanceSeconds(3600);
    await rig.reopen();
    await rig.sell(2);

    expect(await rig.cycle().run(never)).toMatchObject({ outcome: 'done', summary: 'published 2 packages (seq 1-2, 14 rows)' });
    const packages = await rig.published();
    expect(packages.map((p) => p.fileName)).toEqual([uploadFileName(intent), 'store-7_upload_000000000002.acpkg']);
    const republished = await readFile(path.join(rig.uploadArea, uploadFileName(intent)));
    expect(republished.equals(await readFile(crashed))).toBe(true);
    expect(await rig.channelDatabase.uploads.findBySequence(1)).toMatchObject({ status: 'Uploaded', checksum: first.checksum });
    expect(rig.events('upload.resuming')).toEqual([expect.objectContaining({ sequence: 1, status: 'Started' })]);
    expect(keyCounts(packages, 'sale').size).toBe(7);
  });

  test('two uploaders finishing the same unfinished package both end well, with one package for the sequence', async () => {
    await rig.sell(5);
    const uploads = rig.channelDatabase.uploads;
    await uploads.recordIntent((await uploads.snapshot((s) => s.plan(uploadTableConfigs(rig.profile().upload), 1000))).ranges);
    const second = await rig.secondUploader();
    try {
      const reports = await Promise.all([rig.cycle().run(never), second.cycle.run(never)]);
      expect(reports.map((r) => r.outcome)).not.toContain('failed');
    } finally {
      await second.close();
    }
    expect(rig.events('upload.published_elsewhere')).toHaveLength(1);
    expect((await rig.published()).map((p) => p.manifest.sequence)).toEqual([1]);
    expect(await uploads.findBySequence(1)).toMatchObject({ status: 'Uploaded', tries: 0 });
  });
});
