import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isOnLocalDisk } from '../../src/workfolder/local-disk.js';
import { LocalRoot } from '../../src/workfolder/local-root.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'local-disk-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("a folder on the machine's own disk", () => {
  test('is told from one that is not, and from one that cannot be looked at', async () => {
    expect(await isOnLocalDisk(root)).toBe(true);
    // procfs: a file system of no disk, and of no type listed.
    expect(await isOnLocalDisk('/proc/self')).toBe(false);
    expect(await isOnLocalDisk(path.join(root, 'missing'))).toBeUndefined();
  });

  test('a mount point is a network share whatever its disk; a root not there yet is looked at again', async () => {
    expect(await new LocalRoot(root, { mountPoint: true }).onLocalDisk()).toBe(false);
    const later = new LocalRoot(path.join(root, 'later'));
    expect(await later.onLocalDisk()).toBe(false);
    await mkdir(path.join(root, 'later'));
    expect(await later.onLocalDisk()).toBe(true);
  });
});
