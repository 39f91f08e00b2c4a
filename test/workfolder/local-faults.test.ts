import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { failingStream, patternedStream, readAll } from './byte-streams.js';
import { canMount, mountTmpfs, remountReadOnly, unmount } from '../support/mounts.js';

let base: string;

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'wf-faults-'));
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

(canMount ? describe : describe.skip)('on a real mount (needs root)', () => {
  let root: string;
  let mounted = false;

  beforeEach(async () => {
    root = path.join(base, 'mnt');
    await mkdir(root);
    await mountTmpfs(root, 1024 * 1024);
    mounted = true;
  });

  afterEach(async () => {
    if (mounted) await unmount(root);
    mounted = false;
  });

  test('a read-only folder refuses every change with E_FOLDER_READ_ONLY and still reads', async () => {
    await writeFile(path.join(root, 'pkg.bin'), 'from HQ');
    await remountReadOnly(root);
    const folder = new LocalWorkingFolder(root);

    await expect(folder.writeAtomic('new.bin', Buffer.from('x'))).rejects.toMatchObject({ code: 'E_FOLDER_READ_ONLY' });
    await expect(folder.move('pkg.bin', 'moved.bin')).rejects.toMatchObject({ code: 'E_FOLDER_READ_ONLY' });
    await expect(folder.remove('pkg.bin')).rejects.toMatchObject({ code: 'E_FOLDER_READ_ONLY' });
    await expect(folder.ensureDir('applied')).rejects.toMatchObject({ code: 'E_FOLDER_READ_ONLY' });
    expect((await readAll(await folder.openRead('pkg.bin'))).toString()).toBe('from HQ');
    const health = await folder.check();
    expect(health.ok ? 'ok' : health.error.code).toBe('E_FOLDER_READ_ONLY');
  });

  test('a full disk gives E_FOLDER_FULL, keeps the old file and leaves no temporary name', async () => {
    const folder = new LocalWorkingFolder(root);
    await folder.writeAtomic('upload.bin', Buffer.from('previous'));

    await expect(folder.writeAtomic('upload.bin', patternedStream(32, 64 * 1024))).rejects.toMatchObject({ code: 'E_FOLDER_FULL' });

    expect((await readAll(await folder.openRead('upload.bin'))).toString()).toBe('previous');
    expect(await readdir(root)).toEqual(['upload.bin']);
  });

  test('check() reports the free space of the volume, and E_FOLDER_FULL once it is full', async () => {
    const folder = new LocalWorkingFolder(root);
    const fresh = await folder.check();
    expect(fresh.ok && fresh.freeBytes).toBeGreaterThan(0);
    expect(fresh.ok && fresh.freeBytes).toBeLessThanOrEqual(1024 * 1024);

    await expect(writeFile(path.join(root, 'filler'), Buffer.alloc(2 * 1024 * 1024))).rejects.toMatchObject({ code: 'ENOSPC' });
    const full = await folder.check();
    expect(full.ok ? 'ok' : full.error.code).toBe('E_FOLDER_FULL');
  });
});

(canMount ? describe : describe.skip)('a network share mounted at the folder (needs root)', () => {
  test('with mountPoint, an unmounted share is E_FOLDER_UNREACHABLE, never an empty folder; without it, it would read as empty', async () => {
    const mount = path.join(base, 'share');
    await mkdir(path.join(mount, 'CH01', 'download'), { recursive: true });
    const guarded = new LocalWorkingFolder(mount, undefined, { mountPoint: true });
    const unguarded = new LocalWorkingFolder(mount);

    // Nothing mounted: the bare mount point holds an empty download area of its own.
    expect(await unguarded.list('CH01/download')).toEqual([]);
    await expect(guarded.list('CH01/download')).rejects.toMatchObject({
      code: 'E_FOLDER_UNREACHABLE',
      message: expect.stringContaining('not mounted'),
    });
    // The same for a read, whose path the file worker checks.
    await writeFile(path.join(mount, 'CH01', 'download', 'left-on-the-disk.json'), '{}');
    expect((await unguarded.readWhole('CH01/download/left-on-the-disk.json', 10))?.toString()).toBe('{}');
    await expect(guarded.readWhole('CH01/download/left-on-the-disk.json', 10)).rejects.toMatchObject({
      code: 'E_FOLDER_UNREACHABLE',
      message: expect.stringContaining('not mounted'),
    });
    const health = await guarded.check();
    expect(health.ok ? 'ok' : health.error.code).toBe('E_FOLDER_UNREACHABLE');

    await mountTmpfs(mount, 1024 * 1024);
    try {
      await mkdir(path.join(mount, 'CH01', 'download'), { recursive: true });
      await writeFile(path.join(mount, 'CH01', 'download', 'CH01_download_000000000001.acpkg'), 'x');
      expect((await guarded.list('CH01/download')).map((entry) => entry.name)).toEqual(['CH01_download_000000000001.acpkg']);
      expect((await guarded.readWhole('CH01/download/CH01_download_000000000001.acpkg', 10))?.toString()).toBe('x');
      expect(await guarded.check()).toMatchObject({ ok: true });
    } finally {
      await unmount(mount);
    }
  });
});

describe('links and missing roots', () => {
  test('a symlink that leads out of the folder is refused with E_FOLDER_PATH; one that stays inside works', async () => {
    const root = path.join(base, 'root');
    const outside = path.join(base, 'outside');
    await mkdir(path.join(root, 'real'), { recursive: true });
    await mkdir(outside);
    await writeFile(path.join(outside, 'secret.txt'), 'secret');
    await writeFile(path.join(root, 'real', 'inside.txt'), 'inside');
    await symlink(outside, path.join(root, 'escape'));
    await symlink(path.join(outside, 'secret.txt'), path.join(root, 'secret-link.txt'));
    await symlink(path.join(root, 'real'), path.join(root, 'alias'));
    const folder = new LocalWorkingFolder(root);

    await expect(folder.openRead('escape/secret.txt')).rejects.toMatchObject({ code: 'E_FOLDER_PATH' });
    await expect(folder.openRead('secret-link.txt')).rejects.toMatchObject({ code: 'E_FOLDER_PATH' });
    for (const file of ['escape/secret.txt', 'secret-link.txt']) {
      await expect(folder.readWhole(file, 100)).rejects.toMatchObject({
        code: 'E_FOLDER_PATH',
        message: expect.stringContaining(`it leads through a link to ${path.join(outside, 'secret.txt')}, outside working folder`),
      });
    }
    await expect(folder.stat('secret-link.txt')).rejects.toMatchObject({ code: 'E_FOLDER_PATH' });
    await expect(folder.list('escape')).rejects.toMatchObject({ code: 'E_FOLDER_PATH' });
    await expect(folder.writeAtomic('escape/planted.txt', Buffer.from('x'))).rejects.toMatchObject({ code: 'E_FOLDER_PATH' });
    await expect(folder.ensureDir('escape/new')).rejects.toMatchObject({ code: 'E_FOLDER_PATH' });
    expect(await readdir(outside)).toEqual(['secret.txt']);
    expect((await readAll(await folder.openRead('alias/inside.txt'))).toString()).toBe('inside');
    expect((await folder.readWhole('alias/inside.txt', 100))?.toString()).toBe('inside');
    await expect(folder.readWhole('real/missing.txt', 100)).rejects.toMatchObject({ code: 'E_FOLDER_NOT_FOUND' });
    await folder.close();
  });

  test('a missing root is E_FOLDER_UNREACHABLE, for queries, actions and check()', async () => {
    const folder = new LocalWorkingFolder(path.join(base, 'not-mounted'));

    await expect(folder.list('CH01/download')).rejects.toMatchObject({ code: 'E_FOLDER_UNREACHABLE' });
    await expect(folder.stat('a.bin')).rejects.toMatchObject({ code: 'E_FOLDER_UNREACHABLE' });
    await expect(folder.readWhole('a.bin', 10)).rejects.toMatchObject({
      code: 'E_FOLDER_UNREACHABLE',
      message: expect.stringContaining(path.join(base, 'not-mounted')),
    });
    await expect(folder.writeAtomic('a.bin', Buffer.from('x'))).rejects.toMatchObject({ code: 'E_FOLDER_UNREACHABLE' });
    const health = await folder.check();
    expect(health.ok ? 'ok' : health.error.code).toBe('E_FOLDER_UNREACHABLE');
    expect(health.ok ? '' : health.error.message).toContain(path.join(base, 'not-mounted'));
  });

  test('a root that is a file is E_FOLDER_UNREACHABLE', async () => {
    await writeFile(path.join(base, 'file'), 'x');
    const health = await new LocalWorkingFolder(path.join(base, 'file')).check();
    expect(health.ok ? 'ok' : health.error.code).toBe('E_FOLDER_UNREACHABLE');
  });

  test('a write whose source fails leaves only the old content (no temporary name) beside an existing folder', async () => {
    const folder = new LocalWorkingFolder(base);
    await folder.ensureDir('CH01/upload');
    await expect(folder.writeAtomic('CH01/upload/u.bin', failingStream(2, 1024))).rejects.toThrow('producer failed half-way');
    expect(await readdir(path.join(base, 'CH01', 'upload'))).toEqual([]);
  });
});
