import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Registry } from 'prom-client';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import type { WorkingFolder } from '../../src/workfolder/working-folder.js';
import { useOwnCluster } from '../channel/postgres-own-cluster.js';
import { keyCounts, sequences, UploadRig } from './upload-rig.js';

const never = new AbortController().signal;

/**
 * Upload's promise on PostgreSQL (loses nothing, doubles nothing) against the server failing
 * under it: stopped between publishing a package and recording it, or crashed after. The
 * watermark moved after a package was published must survive a crash, even on a server set to
 * `synchronous_commit = off` (as this one is), whose commits sit in memory until the WAL
 * writer's next round (10 s here). Were it lost, the next run would plan sequence 1 again, with
 * the rows sold since: another package under a name HQ already has.
 */
describe('upload on PostgreSQL: the server fails under it', () => {
  const cluster = useOwnCluster({ synchronous_commit: 'off', wal_writer_delay: '10s' });
  let rig: UploadRig;
  beforeEach(async () => {
    rig = await UploadRig.create(cluster.engine);
  });
  afterEach(async () => {
    await rig.cleanup();
  });

  /** The POS's sales made durable as its own till would: a commit of its own that waits for the disk flushes all before it. */
  const posCommitsDurably = () => rig.subject.pos('BEGIN; SET LOCAL synchronous_commit = on; SELECT pg_current_xact_id(); COMMIT');

  test('stopped between publishing and recording it: the next run, the server back, publishes the same package again, byte for byte', async () => {
    await rig.sell(3);
    const local = new LocalWorkingFolder(rig.folderRoot);
    const stopsAfterPublishing = new Proxy(local, {
      get(target, property, receiver) {
        if (property === 'writeAtomic') {
          return async (...args: Parameters<WorkingFolder['writeAtomic']>) => {
            await target.writeAtomic(...args);
            await cluster.stop();
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as WorkingFolder;
    try {
      await expect(rig.cycle(stopsAfterPublishing).run(never)).rejects.toMatchObject({ code: 'E_DATABASE_UNREACHABLE' });
    } finally {
      await cluster.start();
    }
    const published = path.join(rig.uploadArea, 'store-7_upload_000000000001.acpkg');
    const first = await readFile(published);
    await rig.reopen();
    const recorded = await rig.channelDatabase.uploads.findBySequence(1);
    expect(recorded).toMatchObject({ status: 'Available', checksum: createHash('sha256').update(first).digest('hex') });
    await rig.sell(2);

    const cycle = rig.cycle(local, rig.channelDatabase, new Registry());
    expect(await cycle.run(never)).toMatchObject({ outcome: 'done', summary: 'published 2 packages (seq 1-2, 10 rows)' });
    const packages = await rig.published();
    expect(sequences(packages)).toEqual([1, 2]);
    expect((await readFile(published)).equals(first)).toBe(true);
    expect([...keyCounts(packages, 'sale').values()]).toEqual([1, 1, 1, 1, 1]);
    expect(await rig.channelDatabase.uploads.findBySequence(1)).toMatchObject({ status: 'Uploaded', checksum: recorded?.checksum });
  });

  test('crashed after publishing, on synchronous_commit = off: loses neither the Uploaded record nor the watermarks: the next package is sequence 2 with only the new rows', async () => {
    await rig.sell(3);
    await posCommitsDurably();
    expect(await rig.cycle().run(never)).toMatchObject({ outcome: 'done', summary: 'published 1 package (seq 1, 6 rows)' });

    await cluster.crash();
    await cluster.start();
    await rig.reopen();

    expect(await rig.channelDatabase.uploads.findBySequence(1)).toMatchObject({ status: 'Uploaded' });
    expect(await rig.channelDatabase.uploads.watermarks()).toEqual(
      new Map([
        ['sale', 3n],
        ['sale_line', 3n],
      ]),
    );
    await rig.sell(2);
    // The restarted daemon's cycle, on the reopened database.
    expect(await rig.cycle(undefined, rig.channelDatabase, new Registry()).run(never)).toMatchObject({
      outcome: 'done',
      summary: 'published 1 package (seq 2, 4 rows)',
    });
    const packages = await rig.published();
    expect(sequences(packages)).toEqual([1, 2]);
    expect([...keyCounts(packages, 'sale').values()]).toEqual([1, 1, 1, 1, 1]);
  });
});
