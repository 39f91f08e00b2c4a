import { Registry } from 'prom-client';
import { useOwnCluster } from '../channel/postgres-own-cluster.js';
import { keyCounts, sequences, UploadRig } from './upload-rig.js';

const never = new AbortController().signal;

/**
 * Upload's promise on PostgreSQL (loses nothing, doubles nothing) against a server crash: the
 * watermark moved after a package was published must survive it, even on a server set to
 * `synchronous_commit = off`, whose commits sit in memory until the WAL writer's next round
 * (10 s here). Were it lost, the next run would plan sequence 1 again, with the rows sold since:
 * another package under a name HQ already has.
 */
describe('upload on PostgreSQL set to synchronous_commit = off: a server crash after publishing', () => {
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

  test('loses neither the Uploaded record nor the watermarks: the next package is sequence 2 with only the new rows', async () => {
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
