import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Housekeeping } from '../../src/daemon/housekeeping.js';
import { createLogger } from '../../src/observe/logger.js';
import { DaemonMetrics } from '../../src/observe/metrics.js';
import { systemClock } from '../../src/schedule/clock.js';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { SAMPLE_PROFILE } from '../profile/profile-files.js';
import { loggerToLines } from '../support/log-lines.js';

describe('Housekeeping', () => {
  let root: string;
  let housekeeping: Housekeeping | undefined;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'async-client-housekeeping-'));
  });

  afterEach(async () => {
    housekeeping?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('removes our own abandoned temporary files and leaves fresh ones, HQ files and packages alone', async () => {
    const upload = path.join(root, 'store-0042', 'upload');
    const status = path.join(root, 'store-0042', 'download', 'status');
    await mkdir(upload, { recursive: true });
    await mkdir(status, { recursive: true });
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    const files = {
      abandonedUpload: path.join(upload, '.store-0042_upload_000000000007.acpkg.tmp-0123456789ab'),
      abandonedStatus: path.join(status, '.store-0042_download_000000000003.acpkg.json.tmp-ba9876543210'),
      freshUpload: path.join(upload, '.store-0042_upload_000000000008.acpkg.tmp-aaaaaaaaaaaa'),
      hqHidden: path.join(upload, '.hq-lock'),
      published: path.join(upload, 'store-0042_upload_000000000006.acpkg'),
    };
    for (const file of Object.values(files)) await writeFile(file, 'x');
    for (const file of [files.abandonedUpload, files.abandonedStatus, files.hqHidden, files.published])
      await utimes(file, twoHoursAgo, twoHoursAgo);

    const metrics = new DaemonMetrics();
    const { log, lines } = loggerToLines();
    housekeeping = new Housekeeping({
      workingFolder: new LocalWorkingFolder(root),
      profile: () => SAMPLE_PROFILE,
      log,
      registry: metrics.registry,
      clock: systemClock,
      offsetMs: 0,
    });

    expect(await housekeeping.run()).toBe(2);
    expect((await readdir(upload)).sort()).toEqual([
      '.hq-lock',
      '.store-0042_upload_000000000008.acpkg.tmp-aaaaaaaaaaaa',
      'store-0042_upload_000000000006.acpkg',
    ]);
    expect(await readdir(status)).toEqual([]);
    expect(lines.map((line) => JSON.parse(line).event)).toEqual(['housekeeping.swept', 'housekeeping.swept']);
    expect(await metrics.registry.getSingleMetricAsString('async_client_housekeeping_swept_total')).toContain(
      'async_client_housekeeping_swept_total{folder="store-0042/upload"} 1',
    );
  });

  it("also removes a server's spool name built on ours and this store's probes left in the shared root, never another store's", async () => {
    const upload = path.join(root, 'store-0042', 'upload');
    await mkdir(upload, { recursive: true });
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    const files = {
      spooled: path.join(upload, '.store-0042_upload_000000000007.acpkg.tmp-0123456789ab.0000000009'),
      heartbeat: path.join(root, 'store-0042', '.heartbeat.json.tmp-0123456789ab'),
      ownProbe: path.join(root, '.async-client-probe-store-0042.tmp-0123456789ab'),
      ownProbeBeingWritten: path.join(root, '..async-client-probe-store-0042.tmp-0123456789ab.tmp-ba9876543210'),
      otherProbe: path.join(root, '.async-client-probe-store-0043.tmp-0123456789ab'),
      hqFile: path.join(root, '.hq-index.tmp-0123456789ab'),
    };
    for (const file of Object.values(files)) {
      await writeFile(file, 'x');
      await utimes(file, twoHoursAgo, twoHoursAgo);
    }
    housekeeping = new Housekeeping({
      workingFolder: new LocalWorkingFolder(root),
      profile: () => SAMPLE_PROFILE,
      log: createLogger('silent'),
      registry: new DaemonMetrics().registry,
      clock: systemClock,
      offsetMs: 0,
    });

    expect(await housekeeping.run()).toBe(4);
    expect((await readdir(root)).sort()).toEqual([
      '.async-client-probe-store-0043.tmp-0123456789ab',
      '.hq-index.tmp-0123456789ab',
      'store-0042',
    ]);
    expect(await readdir(upload)).toEqual([]);
    expect(await readdir(path.join(root, 'store-0042'))).toEqual(['upload']);
  });
});
