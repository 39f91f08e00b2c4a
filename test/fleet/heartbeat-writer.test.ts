import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { HeartbeatWriter } from '../../src/fleet/heartbeat-writer.js';
import type { Heartbeat } from '../../src/fleet/heartbeat.js';
import { createLogger } from '../../src/observe/logger.js';
import { CHANNEL, DownloadStore } from '../download/download-store.js';
import { FaultyWorkingFolder } from '../support/faulty-working-folder.js';
import { until } from '../support/until.js';

describe('HeartbeatWriter', () => {
  let store: DownloadStore;
  let writer: HeartbeatWriter | undefined;
  const lines: Record<string, unknown>[] = [];

  beforeEach(async () => {
    store = await DownloadStore.create({});
    lines.length = 0;
  });

  afterEach(async () => {
    await writer?.stop();
    await store.close();
  });

  function start(folder = store.folder): HeartbeatWriter {
    writer = new HeartbeatWriter({
      workingFolder: folder,
      channelDatabase: store.db,
      clock: store.clock,
      log: createLogger('info', { write: (text: string) => lines.push(JSON.parse(text) as Record<string, unknown>) }),
      clientVersion: '9.9.9',
      profile: () => store.profile(),
      cycle: (direction) => ({
        schedule: 'every minute',
        last:
          direction === 'download'
            ? { direction, outcome: 'failed', summary: 'seq 1 ApplyFailed', finishedAt: store.clock.now() }
            : undefined,
        nextRun: null,
      }),
    });
    return writer;
  }

  const events = (name: string): Record<string, unknown>[] => lines.filter((line) => line.event === name);
  const heartbeat = async (): Promise<Heartbeat> =>
    JSON.parse(await readFile(path.join(store.folderRoot, CHANNEL, 'heartbeat.json'), 'utf8')) as Heartbeat;

  it('reports a Suspended package with its reason, and writes at most once a minute of the clock', async () => {
    await store.publish(1, [[1, 'x', null]], { channelId: 'store-other', fileName: store.fileName(1) });
    await store.run();
    const heartbeats = start();
    heartbeats.cycleFinished();
    await until('the first heartbeat', () => events('heartbeat.written').length === 1, 10_000);
    const first = await heartbeat();
    expect(first.download.waitingCount).toBe(1);
    expect(first.download.waiting[0]).toMatchObject({ sequence: 1, status: 'Suspended', tries: 1 });
    expect(first.download.waiting[0]?.message).toContain('store-other');
    expect(first.download.last).toEqual({ outcome: 'failed', summary: 'seq 1 ApplyFailed', finishedAt: store.clock.now().toISOString() });
    expect(first.clientVersion).toBe('9.9.9');

    store.clock.advanceSeconds(30);
    heartbeats.cycleFinished();
    heartbeats.cycleFinished();
    await heartbeats.stop();
    expect(events('heartbeat.written')).toHaveLength(1);
    expect((await heartbeat()).writtenAt).toBe(first.writtenAt);
  });

  it('logs a failed write with its code, never throws, and the next cycle writes again at once', async () => {
    const folder = new FaultyWorkingFolder(store.folder);
    folder.failNext('writeAtomic', 'E_FOLDER_FULL');
    const heartbeats = start(folder);
    heartbeats.cycleFinished();
    await until('the failure is logged', () => events('heartbeat.failed').length === 1, 10_000);
    expect(events('heartbeat.failed')[0]).toMatchObject({ code: 'E_FOLDER_FULL', level: 'warn' });

    heartbeats.cycleFinished();
    await until('the heartbeat is written', () => events('heartbeat.written').length === 1, 10_000);
    expect((await heartbeat()).download).toMatchObject({ appliedThrough: 0, waitingCount: 0 });
  });
});
