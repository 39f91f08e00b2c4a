import { writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { WebDavWorkingFolder } from '../../src/workfolder/webdav.js';
import { webDavTestFolder } from '../support/webdav-server.js';
import { describeWorkingFolderContract } from './contract.js';

describeWorkingFolderContract('webdav (rclone serve webdav)', async () => {
  const testFolder = await webDavTestFolder();
  return {
    folder: new WebDavWorkingFolder({
      url: testFolder.url,
      username: testFolder.username,
      password: testFolder.password,
      timeoutSeconds: 10,
    }),
    rawNames: async (dir) => (await readdir(path.join(testFolder.localPath, dir))).sort(),
    plantFile: async (file, content) => writeFileSync(path.join(testFolder.localPath, file), content),
    cleanup: () => testFolder.cleanup(),
  };
});
