import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DownloadPickUp } from '../../src/download/pick-up.js';
import { createLogger } from '../../src/observe/logger.js';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { WebDavWorkingFolder } from '../../src/workfolder/webdav.js';
import type { WorkingFolder } from '../../src/workfolder/working-folder.js';
import { CountingProxy } from '../../bench/support/counting-proxy.js';
import { until } from '../support/until.js';
import { webDavTestFolder } from '../support/webdav-server.js';

const PACKAGE = 'CH01_download_000000000001.acpkg';

/** A pick-up whose "download cycle" only counts its starts. */
function pickUpOver(folder: WorkingFolder, downloading = () => false): { pickUp: DownloadPickUp; starts: () => number } {
  let starts = 0;
  const pickUp = new DownloadPickUp({
    workingFolder: folder,
    log: createLogger('silent'),
    runDownload: () => {
      starts += 1;
    },
    isDownloading: downloading,
  });
  return { pickUp, starts: () => starts };
}

describe('download pick-up on a local folder (file events)', () => {
  let root: string;
  let area: string;
  let pickUp: DownloadPickUp | undefined;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'pick-up-'));
    area = path.join(root, 'CH01', 'download');
    await mkdir(area, { recursive: true });
  });

  afterEach(async () => {
    await pickUp?.close();
    await rm(root, { recursive: true, force: true });
  });

  test("a complete package of this channel starts one cycle; HQ's temporary name, other channels and other files start none", async () => {
    const subject = pickUpOver(new LocalWorkingFolder(root));
    pickUp = subject.pickUp;
    await pickUp.follow('CH01', { pollSeconds: 60, watchPolling: false });

    await writeFile(path.join(area, `.${PACKAGE}.tmp-hq`), 'being written');
    await writeFile(path.join(area, 'CH02_download_000000000001.acpkg'), 'another store');
    await writeFile(path.join(area, 'notes.txt'), 'not a package');
    await sleep(2000);
    expect(subject.starts()).toBe(0);

    await rename(path.join(area, `.${PACKAGE}.tmp-hq`), path.join(area, PACKAGE));
    await until('the pick-up starts a cycle', () => subject.starts() === 1);
  });

  test('a package arriving while a cycle runs starts another once that one ends', async () => {
    let running = true;
    let asked = 0;
    const subject = pickUpOver(new LocalWorkingFolder(root), () => {
      asked += 1;
      return running;
    });
    pickUp = subject.pickUp;
    await pickUp.follow('CH01', { pollSeconds: 1, watchPolling: true });

    await writeFile(path.join(area, PACKAGE), 'complete');
    // Not a fixed wait: on a busy machine the polling watch had not seen the package after 3 s. The pick-up asks only once it has.
    await until('the pick-up sees the package while a cycle runs', () => asked > 0);
    expect(subject.starts()).toBe(0);
    running = false;
    pickUp.cycleFinished();
    expect(subject.starts()).toBe(1);
  });
});

describe('download pick-up on WebDAV (one listing per poll)', () => {
  test('a quiet poll is one PROPFIND; a new package starts a cycle', async () => {
    const shared = await webDavTestFolder();
    const proxy = await CountingProxy.start(shared.url);
    const folder = new WebDavWorkingFolder({ url: proxy.url, username: shared.username, password: shared.password, timeoutSeconds: 10 });
    const subject = pickUpOver(folder);
    try {
      await mkdir(path.join(shared.localPath, 'CH01', 'download'), { recursive: true });
      await subject.pickUp.follow('CH01', { pollSeconds: 1, watchPolling: false });
      await until('three polls', () => proxy.requests.length >= 3);
      expect(subject.starts()).toBe(0);
      expect(new Set(proxy.requests.map((request) => request.method))).toEqual(new Set(['PROPFIND']));

      await writeFile(path.join(shared.localPath, 'CH01', 'download', PACKAGE), 'complete');
      await until('the pick-up starts a cycle', () => subject.starts() === 1);
    } finally {
      await subject.pickUp.close();
      await folder.close();
      await proxy.close();
      await shared.cleanup();
    }
  });
});
