import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { FaultyWorkingFolder } from '../support/faulty-working-folder.js';
import { patternedStream, readAll } from './byte-streams.js';
import { describeWorkingFolderContract } from './contract.js';

describeWorkingFolderContract('fault wrapper with no fault set (passes everything through)', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'wf-faulty-'));
  return {
    folder: new FaultyWorkingFolder(new LocalWorkingFolder(root)),
    rawNames: async (dir) => (await readdir(path.join(root, dir))).sort(),
    plantFile: (file, content) => writeFile(path.join(root, file), content),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('injected faults', () => {
  let root: string;
  let folder: FaultyWorkingFolder;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'wf-faulty-'));
    folder = new FaultyWorkingFolder(new LocalWorkingFolder(root));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('the next N calls of a method fail with the given code, then the folder works again', async () => {
    folder.failNext('writeAtomic', 'E_FOLDER_FULL', 2);
    const source = patternedStream(4, 1024);

    await expect(folder.writeAtomic('u.bin', source)).rejects.toMatchObject({ code: 'E_FOLDER_FULL' });
    expect(source.destroyed).toBe(true);
    await expect(folder.writeAtomic('u.bin', Buffer.from('x'))).rejects.toMatchObject({ code: 'E_FOLDER_FULL' });
    await folder.writeAtomic('u.bin', Buffer.from('third'));

    expect(folder.calls('writeAtomic')).toBe(3);
    expect(await readdir(root)).toEqual(['u.bin']);
  });

  test('a fault on check() is reported as unhealthy, not thrown; heal() ends an endless fault', async () => {
    folder.failNext('check', 'E_FOLDER_UNREACHABLE', Infinity);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const health = await folder.check();
      expect(health.ok ? 'ok' : health.error.code).toBe('E_FOLDER_UNREACHABLE');
    }
    folder.heal();
    expect(await folder.check()).toMatchObject({ ok: true });
  });

  test('a read cut after K bytes delivers exactly K bytes, then fails; the next read is whole', async () => {
    await writeFile(path.join(root, 'pkg.bin'), Buffer.alloc(200_000, 7));
    folder.cutNextRead(70_000);

    let received = 0;
    const reading = (async () => {
      for await (const chunk of await folder.openRead('pkg.bin')) received += (chunk as Buffer).length;
    })();
    await expect(reading).rejects.toMatchObject({ code: 'E_FOLDER_UNREACHABLE' });
    expect(received).toBe(70_000);
    expect((await readAll(await folder.openRead('pkg.bin'))).length).toBe(200_000);
  });
});
