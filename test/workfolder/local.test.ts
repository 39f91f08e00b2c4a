import { writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileWorker } from '../../src/workfolder/file-worker.js';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { describeWorkingFolderContract } from './contract.js';

/** A local folder in a fresh temporary root, made by `open`. */
function localSubject(prefix: string, open: (root: string) => LocalWorkingFolder) {
  return async () => {
    const root = await mkdtemp(path.join(tmpdir(), prefix));
    return {
      folder: open(root),
      rawNames: async (dir: string) => (await readdir(path.join(root, dir))).sort(),
      plantFile: async (file: string, content: string | Buffer) => writeFileSync(path.join(root, file), content),
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  };
}

describeWorkingFolderContract(
  'local',
  localSubject('wf-local-', (root) => new LocalWorkingFolder(root)),
);

// The local adapter makes its batches and whole reads on a file worker; without one it makes them itself, to the same contract.
describeWorkingFolderContract(
  'local, its file worker failing',
  localSubject(
    'wf-local-noworker-',
    (root) => new LocalWorkingFolder(root, undefined, {}, () => new FileWorker({ script: 'throw new Error("no worker here")' })),
  ),
);
