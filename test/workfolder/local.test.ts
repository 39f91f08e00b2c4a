import { writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileWorker } from '../../src/workfolder/file-worker.js';
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

// The local adapter makes its batches and whole reads on a file worker; without one it makes them itself, to the same contract.
describeWorkingFolderContract('local, its file worker failing', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'wf-local-noworker-'));
  return {
    folder: new LocalWorkingFolder(root, undefined, {}, () => new FileWorker('throw new Error("no worker here")')),
    rawNames: async (dir) => (await readdir(path.join(root, dir))).sort(),
    plantFile: (file, content) => writeFile(path.join(root, file), content),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});
