import { nextUploadTry } from '../../src/upload/retry-backoff.js';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { FolderErrorCode } from '../../src/workfolder/working-folder.js';
import { CHANNEL_ENGINES } from '../channel/engines.js';
import { FaultyWorkingFolder } from '../support/faulty-working-folder.js';
import { sequences, UploadRig } from './upload-rig.js';

const never = new AbortController().signal;
const settings = { retryBackoffSeconds: 30, retryBackoffMaxSeconds: 900 };
const start = new Date('2026-12-01T10:00:00Z');
const waitSeconds = (at: Date): number => (at.getTime() - start.getTime()) / 1000;

describe('nextUploadTry', () => {
  test('doubles from the first backoff up to the longest one', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((tries) => waitSeconds(nextUploadTry(start, tries, settings)))).toEqual([
      30, 60, 120, 240, 480, 900, 900,
    ]);
  });

  test("never waits longer than one interval, and never less than the server's Retry-After", () => {
    expect(waitSeconds(nextUploadTry(start, 6, settings, { intervalSeconds: 300 }))).toBe(300);
    expect(waitSeconds(nextUploadTry(start, 1, settings, { intervalSeconds: 300, retryAfterSeconds: 600 }))).toBe(600);
  });
});

describe.each(CHANNEL_ENGINES)('upload cycle on $name: an outage and the server coming back', (engine) => {
  let rig: UploadRig;
  beforeEach(async () => {
    rig = await UploadRig.create(engine);
  });
  afterEach(async () => {
    await rig.cleanup();
  });

  test('after a long outage the first run once the server is back publishes: the wait never grows past one interval', async () => {
    const folder = new FaultyWorkingFolder(new LocalWorkingFolder(rig.folderRoot));
    const cycle = rig.cycle(folder);
    await rig.sell(2);
    folder.failNext('writeAtomic', FolderErrorCode.unreachable, Infinity);
    for (let run = 0; run < 6; run += 1) {
      expect(await cycle.run(never)).toMatchObject({ outcome: 'failed' });
      rig.clock.advanceSeconds(60); // the test store uploads every minute
    }
    expect(await rig.channelDatabase.uploads.findBySequence(1)).toMatchObject({ status: 'UploadFailed', tries: 6 });

    folder.heal();
    expect(await cycle.run(never)).toMatchObject({ outcome: 'done' });
    expect(sequences(await rig.published())).toEqual([1]);
  });

  test("a server's Retry-After is waited out, even past the interval", async () => {
    const folder = new FaultyWorkingFolder(new LocalWorkingFolder(rig.folderRoot));
    const cycle = rig.cycle(folder);
    await rig.sell(1);
    folder.failNext('writeAtomic', FolderErrorCode.unreachable, 1, { retryAfterSeconds: 600 });
    const failedAt = rig.clock.now();
    await cycle.run(never);
    expect(await rig.channelDatabase.uploads.findBySequence(1)).toMatchObject({ nextTryAt: new Date(failedAt.getTime() + 600_000) });

    rig.clock.advanceSeconds(300);
    expect(await cycle.run(never)).toMatchObject({ outcome: 'idle', fields: expect.objectContaining({ waiting: 'retry' }) });
    rig.clock.advanceSeconds(300);
    expect(await cycle.run(never)).toMatchObject({ outcome: 'done' });
  });

  test('the backoff is a profile setting', async () => {
    const folder = new FaultyWorkingFolder(new LocalWorkingFolder(rig.folderRoot));
    await rig.sell(1);
    folder.failNext('writeAtomic', FolderErrorCode.full);
    const failedAt = rig.clock.now();
    rig.retryBackoffSeconds = 7;
    await rig.cycle(folder).run(never);
    expect(await rig.channelDatabase.uploads.findBySequence(1)).toMatchObject({ nextTryAt: new Date(failedAt.getTime() + 7_000) });
  });
});
