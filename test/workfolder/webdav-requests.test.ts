import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { WebDavWorkingFolder } from '../../src/workfolder/webdav.js';
import { CountingProxy } from '../../bench/support/counting-proxy.js';
import { webDavTestFolder, type WebDavTestFolder } from '../support/webdav-server.js';

let shared: WebDavTestFolder;
let proxy: CountingProxy;
let folder: WebDavWorkingFolder;

beforeEach(async () => {
  shared = await webDavTestFolder();
  proxy = await CountingProxy.start(shared.url);
  folder = new WebDavWorkingFolder({ url: proxy.url, username: shared.username, password: shared.password, timeoutSeconds: 10 });
});

afterEach(async () => {
  await folder.close();
  await proxy.close();
  await shared.cleanup();
});

describe('what the WebDAV adapter asks of HQ', () => {
  test('a folder is created once and remembered: the next ensureDir of it, or of a parent, costs no request', async () => {
    await folder.ensureDir('CH01/download/status');
    expect(proxy.takeCounts()).toEqual({ PROPFIND: 1, MKCOL: 3 });

    await folder.ensureDir('CH01/download/status');
    await folder.ensureDir('CH01/download');
    expect(proxy.takeCounts()).toEqual({});
  });

  test('a listed folder is known to exist; a quiet listing is one PROPFIND', async () => {
    await folder.ensureDir('CH01/upload');
    proxy.takeCounts();
    const other = new WebDavWorkingFolder({ url: proxy.url, username: shared.username, password: shared.password, timeoutSeconds: 10 });
    try {
      expect(await other.list('CH01/upload')).toEqual([]);
      await other.ensureDir('CH01/upload');
      expect(proxy.takeCounts()).toEqual({ PROPFIND: 1 });
    } finally {
      await other.close();
    }
  });

  test('a folder HQ removed is made again by the next write of bytes, without an error', async () => {
    await folder.ensureDir('CH01/download/status');
    await rm(path.join(shared.localPath, 'CH01', 'download'), { recursive: true });

    await folder.writeAtomic('CH01/download/status/a.json', Buffer.from('{}\n'));

    expect(await readFile(path.join(shared.localPath, 'CH01', 'download', 'status', 'a.json'), 'utf8')).toBe('{}\n');
  });

  test('a stream write into a folder HQ removed fails E_FOLDER_NOT_FOUND, and the next ensureDir makes it again', async () => {
    await folder.ensureDir('CH01/upload');
    await rm(path.join(shared.localPath, 'CH01'), { recursive: true });

    await expect(folder.writeAtomic('CH01/upload/u.bin', Readable.from([Buffer.from('x')]))).rejects.toMatchObject({
      code: 'E_FOLDER_NOT_FOUND',
    });
    await folder.ensureDir('CH01/upload');
    await folder.writeAtomic('CH01/upload/u.bin', Readable.from([Buffer.from('x')]));
    expect(await readFile(path.join(shared.localPath, 'CH01', 'upload', 'u.bin'), 'utf8')).toBe('x');
  });

  test('once the share is known to exist, a listing of an area HQ has not made yet is one PROPFIND', async () => {
    expect(await folder.check()).toMatchObject({ ok: true });
    proxy.takeCounts();
    expect(await folder.list('CH01/download')).toEqual([]);
    expect(proxy.takeCounts()).toEqual({ PROPFIND: 1 });
  });

  test('a listing of folders (HQ listing its stores) asks only what tells a folder from a file, not sizes and tags', async () => {
    for (let i = 0; i < 40; i++) await mkdir(path.join(shared.localPath, `store-${i}`, 'download'), { recursive: true });
    const answerBytes = (): number => proxy.requests.splice(0).reduce((sum, request) => sum + request.responseBytes, 0);
    expect((await folder.listFolders('')).length).toBe(40);
    const folders = answerBytes();
    expect(await folder.list('')).toEqual([]);
    const full = answerBytes();
    expect(folders).toBeLessThan(0.75 * full);
  });
});
