import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import {
  startWebDavServer,
  stopWebDavServer,
  webDavTestFolder,
  type WebDavServer,
  type WebDavTestFolder,
} from '../support/webdav-server.js';
import { readAll } from './byte-streams.js';

import { closeWebDavFolders, codeOfCheck, openWebDav } from './webdav-open.js';

afterEach(closeWebDavFolders);

describe('against the shared rclone server', () => {
  let shared: WebDavTestFolder;

  beforeEach(async () => {
    shared = await webDavTestFolder();
  });

  afterEach(async () => {
    await shared.cleanup();
  });

  test('a wrong password gives E_FOLDER_AUTH and the password appears in no message', async () => {
    const folder = openWebDav(shared.url, { username: shared.username, password: 'wrong-password-123' });

    await expect(folder.list('')).rejects.toMatchObject({ code: 'E_FOLDER_AUTH' });
    await expect(folder.writeAtomic('f.bin', Buffer.from('x'))).rejects.toMatchObject({ code: 'E_FOLDER_AUTH' });
    const health = await folder.check();
    expect(health.ok ? 'ok' : health.error.code).toBe('E_FOLDER_AUTH');
    expect(JSON.stringify(health.ok ? {} : { message: health.error.message, details: health.error.details })).not.toContain(
      'wrong-password-123',
    );
  });

  test('credentials written into the URL work and never show in describe() or errors', async () => {
    const url = new URL(shared.url);
    url.username = shared.username;
    url.password = shared.password;
    const folder = openWebDav(url.href);

    await folder.writeAtomic('f.bin', Buffer.from('x'));
    expect(folder.describe()).toBe(`WebDAV folder ${shared.url} as ${shared.username}`);
    const error = await folder.openRead('missing.bin').catch((failure: unknown) => failure);
    expect(JSON.stringify({ message: String(error), details: (error as { details?: unknown }).details })).not.toContain(shared.password);
  });

  test('a base URL the server does not have is E_FOLDER_UNREACHABLE', async () => {
    const folder = openWebDav(`${shared.url}no-such-folder/`, { username: shared.username, password: shared.password });
    expect(await codeOfCheck(folder)).toBe('E_FOLDER_UNREACHABLE');
    await expect(folder.list('CH01/download')).rejects.toMatchObject({ code: 'E_FOLDER_UNREACHABLE' });
  });

  test('a slow consumer or a slow producer is not mistaken for a stalled server', async () => {
    const folder = openWebDav(shared.url, { username: shared.username, password: shared.password }, 1);
    async function* slowProducer(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(64 * 1024, 1);
      await sleep(1500);
      yield Buffer.alloc(64 * 1024, 2);
    }

    await folder.writeAtomic('slow.bin', Readable.from(slowProducer(), { objectMode: false }));
    let received = 0;
    for await (const chunk of await folder.openRead('slow.bin')) {
      if (received === 0) await sleep(1500);
      received += (chunk as Buffer).length;
    }
    expect(received).toBe(128 * 1024);
  });

  test('rclone reports no quota, so check() gives no free-space figure', async () => {
    const health = await openWebDav(shared.url, { username: shared.username, password: shared.password }).check();
    expect(health).toEqual({ ok: true, freeBytes: undefined });
  });
});

describe('against a read-only rclone server', () => {
  let root: string;
  let server: WebDavServer;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'wf-dav-ro-'));
    await writeFile(path.join(root, 'pkg.bin'), 'from HQ');
    server = await startWebDavServer(root, { readOnly: true });
  });

  afterAll(async () => {
    await stopWebDavServer(server.pid);
    await rm(root, { recursive: true, force: true });
  });

  test('every change is refused with E_FOLDER_READ_ONLY; reading still works', async () => {
    const folder = openWebDav(server.url, { username: server.username, password: server.password });

    await expect(folder.writeAtomic('new.bin', Buffer.from('x'))).rejects.toMatchObject({ code: 'E_FOLDER_READ_ONLY' });
    await expect(folder.move('pkg.bin', 'moved.bin')).rejects.toMatchObject({ code: 'E_FOLDER_READ_ONLY' });
    await expect(folder.remove('pkg.bin')).rejects.toMatchObject({ code: 'E_FOLDER_READ_ONLY' });
    await expect(folder.ensureDir('applied')).rejects.toMatchObject({ code: 'E_FOLDER_READ_ONLY' });
    expect((await readAll(await folder.openRead('pkg.bin'))).toString()).toBe('from HQ');
    expect(await codeOfCheck(folder)).toBe('E_FOLDER_READ_ONLY');
  });
});
