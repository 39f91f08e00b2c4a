import { writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { describeWorkingFolderContract } from './contract.js';

describeWorkingFolderContract('local', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'wf-local-'));
  return {
    folder: new LocalWorkingFolder(root),
    rawNames: async (dir) => (await readdir(path.join(root, dir))).sort(),
    plantFile: async (file, content) => writeFileSync(path.join(root, file), content),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});
