import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WebDavWorkingFolder } from '../../src/workfolder/webdav.js';
import { apacheTestFolder, chownToApache } from '../support/webdav-server.js';
import { describeWorkingFolderContract } from './contract.js';

describeWorkingFolderContract('webdav (Apache httpd mod_dav, https with its own CA, Basic)', async () => {
  const testFolder = await apacheTestFolder();
  return {
    folder: new WebDavWorkingFolder({
      url: testFolder.url,
      username: testFolder.username,
      password: testFolder.password,
      timeoutSeconds: 10,
      tls: { caFile: testFolder.ca.caFile },
    }),
    rawNames: async (dir) => (await readdir(path.join(testFolder.localPath, dir))).sort(),
    plantFile: async (file, content) => {
      await writeFile(path.join(testFolder.localPath, file), content);
      await chownToApache(path.join(testFolder.localPath, file));
    },
    cleanup: () => testFolder.cleanup(),
  };
});
