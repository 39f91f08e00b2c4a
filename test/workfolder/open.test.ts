import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkingFolderSettings } from '../../src/profile/profile.js';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { openWorkingFolder } from '../../src/workfolder/open.js';
import { WebDavWorkingFolder } from '../../src/workfolder/webdav.js';

test('the profile section opens the adapter it names', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'wf-open-'));
  try {
    const local: WorkingFolderSettings = { adapter: 'local', path: root };
    const webdav: WorkingFolderSettings = {
      adapter: 'webdav',
      url: 'https://hq.example/dav',
      username: 'store',
      password: 'pw',
      timeoutSeconds: 30,
    };

    const localFolder = await openWorkingFolder(local);
    const webdavFolder = await openWorkingFolder(webdav);

    expect(localFolder).toBeInstanceOf(LocalWorkingFolder);
    expect(await localFolder.check()).toMatchObject({ ok: true });
    expect(webdavFolder).toBeInstanceOf(WebDavWorkingFolder);
    expect(webdavFolder.describe()).toBe('WebDAV folder https://hq.example/dav/ as store');
    await Promise.all([localFolder.close(), webdavFolder.close()]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a WebDAV URL that is not http(s) is refused without echoing it', async () => {
  await expect(openWorkingFolder({ adapter: 'webdav', url: 'ftp://u:secret@hq.example/', timeoutSeconds: 5 })).rejects.toThrow(
    expect.objectContaining({ code: 'E_FOLDER_UNREACHABLE', message: expect.not.stringContaining('secret') }),
  );
  await expect(openWorkingFolder({ adapter: 'webdav', url: 'not a url :secret', timeoutSeconds: 5 })).rejects.toThrow(
    expect.objectContaining({ code: 'E_FOLDER_UNREACHABLE', message: expect.not.stringContaining('secret') }),
  );
});
