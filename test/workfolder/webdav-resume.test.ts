import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebDavWorkingFolder } from '../../src/workfolder/webdav.js';
import { CountingProxy } from '../../bench/support/counting-proxy.js';
import { webDavTestFolder, type WebDavTestFolder } from '../support/webdav-server.js';
import { patternedChunk, patternedStream, readAll } from './byte-streams.js';

const SIZE = 4 * 1024 * 1024;
let shared: WebDavTestFolder;
let proxy: CountingProxy;
let folder: WebDavWorkingFolder;
let content: Buffer;

beforeEach(async () => {
  shared = await webDavTestFolder();
  proxy = await CountingProxy.start(shared.url);
  folder = new WebDavWorkingFolder({ url: proxy.url, username: shared.username, password: shared.password, timeoutSeconds: 10 });
  content = Buffer.concat(Array.from({ length: SIZE / (64 * 1024) }, (_, index) => patternedChunk(index, 64 * 1024)));
  await writeFile(path.join(shared.localPath, 'pkg.bin'), content);
  // Servers give a strong validator only for a file older than a second.
  await sleep(1100);
});

afterEach(async () => {
  await folder.close();
  await proxy.close();
  await shared.cleanup();
});

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const gets = () => proxy.requests.filter((request) => request.method === 'GET');

describe('a GET cut off mid-body', () => {
  test('resumes with Range from the last byte received: the file arrives whole and only the missing bytes are sent again', async () => {
    proxy.cutNext('GET', SIZE / 2);

    const received = await readAll(await folder.openRead('pkg.bin'));

    expect(sha(received)).toBe(sha(content));
    const [whole, rest] = gets();
    expect([whole?.range, whole?.status, rest?.status]).toEqual([undefined, 200, 206]);
    // What the socket had not delivered when it was cut is asked for again, and no more.
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(rest?.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(SIZE / 4);
    expect(resumedAt).toBeLessThanOrEqual(SIZE / 2);
    expect(rest?.responseBytes).toBe(SIZE - resumedAt);
  });

  test('a server that ignores Range sends it all again: the first half is skipped, never doubled', async () => {
    proxy.ignoreRanges = true;
    proxy.cutNext('GET', SIZE / 2);

    const received = await readAll(await folder.openRead('pkg.bin'));

    expect(sha(received)).toBe(sha(content));
    expect(gets().map((request) => request.status)).toEqual([200, 200]);
  });

  test('a file replaced between the cut and the resume is never spliced: E_FOLDER_CHANGED, and a new read gives the new file whole', async () => {
    const replacement = Buffer.alloc(SIZE, 9);
    proxy.cutNext('GET', SIZE / 2);
    proxy.holdNextRange(() => writeFile(path.join(shared.localPath, 'pkg.bin'), replacement));

    await expect(readAll(await folder.openRead('pkg.bin'))).rejects.toMatchObject({ code: 'E_FOLDER_CHANGED' });
    expect(sha(await readAll(await folder.openRead('pkg.bin')))).toBe(sha(replacement));
  });

  test('the same when the server ignores Range: the new version is refused, not spliced', async () => {
    proxy.ignoreRanges = true;
    proxy.cutNext('GET', SIZE / 2);
    proxy.holdNextRange(() => writeFile(path.join(shared.localPath, 'pkg.bin'), Buffer.alloc(SIZE + 10, 7)));

    await expect(readAll(await folder.openRead('pkg.bin'))).rejects.toMatchObject({ code: 'E_FOLDER_CHANGED' });
  });
});

describe('a PUT cut off mid-body', () => {
  test('fails E_FOLDER_UNREACHABLE and keeps the old file; the retry publishes the new one whole, once, with no temporary name left', async () => {
    await folder.writeAtomic('upload.bin', Buffer.from('previous'));
    proxy.cutNext('PUT', 1024 * 1024);

    await expect(folder.writeAtomic('upload.bin', patternedStream(64, 64 * 1024))).rejects.toMatchObject({ code: 'E_FOLDER_UNREACHABLE' });
    expect(await readFile(path.join(shared.localPath, 'upload.bin'), 'utf8')).toBe('previous');

    await folder.writeAtomic('upload.bin', patternedStream(64, 64 * 1024));
    expect(sha(await readFile(path.join(shared.localPath, 'upload.bin')))).toBe(sha(content));
    // The server may still be closing the broken upload; the sweep takes what it leaves.
    for (let tries = 0; (await readdir(shared.localPath)).length > 2 && tries < 100; tries += 1) {
      await folder.sweepTemporaries('', new Date(Date.now() + 3_600_000));
      await sleep(20);
    }
    expect((await readdir(shared.localPath)).sort()).toEqual(['pkg.bin', 'upload.bin']);
  });
});
