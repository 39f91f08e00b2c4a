import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebDavWorkingFolder } from '../../src/workfolder/webdav.js';
import { canMount, mountTmpfs, remountReadOnly, unmount } from '../support/mounts.js';
import {
  chownToApache,
  makeTestCa,
  startApacheServer,
  startWebDavServer,
  stopWebDavServer,
  type TestCa,
  type WebDavServer,
} from '../support/webdav-server.js';
import { patternedStream, readAll } from './byte-streams.js';

/*
 * Real servers over a real disk that is full or mounted read-only: each server answers with
 * its own status (Apache 507 or 500, rclone 405 for both), and the adapter must still say
 * which it is.
 */
const MOUNT_BYTES = 1024 * 1024;

type Start = (root: string, work: string, ca: TestCa) => Promise<WebDavServer>;
const SERVERS: ReadonlyArray<readonly [string, Start]> = [
  ['rclone', (root) => startWebDavServer(root)],
  ['Apache httpd', (root, work, ca) => startApacheServer(root, work, { ca })],
];

(canMount ? describe.each(SERVERS) : describe.skip.each(SERVERS))('%s over a small tmpfs', (_name, start) => {
  let work: string;
  let mount: string;
  let server: WebDavServer;
  let folder: WebDavWorkingFolder;

  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'wf-refusals-'));
    mount = path.join(work, 'mnt');
    await mkdir(mount);
    await mountTmpfs(mount, MOUNT_BYTES);
    await writeFile(path.join(mount, 'old.bin'), 'previous');
    await chownToApache(mount);
    await chownToApache(path.join(mount, 'old.bin'));
    const ca = await makeTestCa(path.join(work, 'ca'));
    server = await start(mount, work, ca);
    folder = new WebDavWorkingFolder({
      url: server.url,
      username: server.username,
      password: server.password,
      timeoutSeconds: 10,
      ...(server.caFile === undefined ? {} : { tls: { caFile: server.caFile } }),
    });
  });

  afterEach(async () => {
    await folder.close();
    await stopWebDavServer(server.pid);
    await unmount(mount);
    await rm(work, { recursive: true, force: true });
  });

  test('a full disk is E_FOLDER_FULL, the old file is kept and no temporary or probe file is left', async () => {
    const error = await folder.writeAtomic('old.bin', patternedStream(32, 64 * 1024)).catch((failure: unknown) => failure);

    expect(error).toMatchObject({ code: 'E_FOLDER_FULL' });
    expect((await readAll(await folder.openRead('old.bin'))).toString()).toBe('previous');
    expect(await readdir(mount)).toEqual(['old.bin']);
  });

  test('a read-only folder is E_FOLDER_READ_ONLY for a write and a move, and nothing is left', async () => {
    await remountReadOnly(mount);

    await expect(folder.writeAtomic('new.bin', Buffer.from('x'))).rejects.toMatchObject({ code: 'E_FOLDER_READ_ONLY' });
    await expect(folder.move('old.bin', 'moved.bin')).rejects.toMatchObject({ code: 'E_FOLDER_READ_ONLY' });
    expect(await readdir(mount)).toEqual(['old.bin']);
  });
});
