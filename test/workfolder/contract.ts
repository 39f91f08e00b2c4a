import { Readable } from 'node:stream';
import { readSmallFile } from '../../src/workfolder/capped-read.js';
import { moveEach, versionOf, type WorkingFolder, writeEach } from '../../src/workfolder/working-folder.js';
import { describeWatch } from './contract-watch.js';
import { describeWritesUnderWay, waitFor } from './contract-writes-under-way.js';
import { failingStream, patternedChunk, readAll } from './byte-streams.js';

/** One driver under test, over a fresh empty folder that the test can also see directly. */
export interface ContractSubject {
  readonly folder: WorkingFolder;
  /** Every name in a folder as the storage holds it, hidden ones too. */
  rawNames(dir: string): Promise<string[]>;
  /**
   * Puts a file straight into the storage, as another writer (HQ) would, before it returns:
   * no turn of the event loop passes, so the adapter under test cannot have looked meanwhile.
   */
  plantFile(path: string, content: string): Promise<void>;
  cleanup(): Promise<void>;
}

const BAD_PATHS = ['../x', '/etc/passwd', 'a\\b', 'a/../../b', 'a\0b', 'a//b', 'a/', './a', '.hidden', 'a/.b.tmp-1'];

/** The same promises, run against every `WorkingFolder` driver. */
export function describeWorkingFolderContract(driver: string, open: () => Promise<ContractSubject>): void {
  describe(`WorkingFolder contract: ${driver}`, () => {
    let subject: ContractSubject;
    let folder: WorkingFolder;

    beforeEach(async () => {
      subject = await open();
      folder = subject.folder;
    });

    afterEach(async () => {
      await folder.close();
      await subject.cleanup();
    });

    const text = async (path: string): Promise<string> => (await readAll(await folder.openRead(path))).toString();

    describeWritesUnderWay(() => subject);
    describeWatch(() => subject);

    test('listFolders gives the folders directly in a folder, sorted; no files or deeper folders', async () => {
      await folder.ensureDir('stores/b-2/download');
      await folder.ensureDir('stores/a-1');
      await folder.writeAtomic('stores/file.txt', Buffer.from('x'));
      await subject.plantFile('stores/.partial-from-hq', 'x');

      expect(await folder.listFolders('stores')).toEqual(['a-1', 'b-2']);
      expect(await folder.listFolders('')).toEqual(['stores']);
      expect(await folder.listFolders('nowhere')).toEqual([]);
    });

    test('openRead with resume gives the rest of the version listed, and refuses a file changed since: E_FOLDER_CHANGED', async () => {
      await folder.writeAtomic('r.bin', Buffer.from('0123456789abcdef'));
      const [entry] = await folder.list('');
      const rest = await readAll(await folder.openRead('r.bin', { entry: entry!, from: 10 }));
      expect(rest.toString()).toBe('abcdef');
      await folder.writeAtomic('r.bin', Buffer.from('another, longer version of the file'));
      await expect(folder.openRead('r.bin', { entry: entry!, from: 10 }).then(readAll)).rejects.toMatchObject({ code: 'E_FOLDER_CHANGED' });
    });

    test('list of a missing folder is empty', async () => {
      expect(await folder.list('nowhere')).toEqual([]);
    });

    test('list gives the files directly in a folder, sorted, with size and time; no subfolders, hidden or deeper files', async () => {
      await folder.ensureDir('a/sub');
      await folder.writeAtomic('a/b.txt', Buffer.from('bb'));
      await folder.writeAtomic('a/a.txt', Buffer.from('a'));
      await folder.writeAtomic('a/sub/c.txt', Buffer.from('c'));
      await subject.plantFile('a/.partial-from-hq', 'half');

      const entries = await folder.list('a');

      expect(entries.map(({ path, name, size }) => ({ path, name, size }))).toEqual([
        { path: 'a/a.txt', name: 'a.txt', size: 1 },
        { path: 'a/b.txt', name: 'b.txt', size: 2 },
      ]);
      for (const entry of entries) expect(Number.isNaN(entry.modifiedAt.getTime())).toBe(false);
      expect((await folder.list('')).map((entry) => entry.name)).toEqual([]);
    });

    test('stat describes a file and gives undefined for a missing one', async () => {
      await folder.writeAtomic('f.txt', Buffer.from('hello'));
      expect(await folder.stat('f.txt')).toMatchObject({ path: 'f.txt', name: 'f.txt', size: 5 });
      expect(await folder.stat('missing.txt')).toBeUndefined();
      expect(await folder.stat('no/such/dir/f.txt')).toBeUndefined();
    });

    test('a file has one version in list and stat (versionOf), and a new one once it is replaced', async () => {
      await folder.writeAtomic('v.txt', Buffer.from('one'));
      const first = await folder.stat('v.txt');
      const [listed] = await folder.list('');
      if (first === undefined || listed === undefined) throw new Error('v.txt is missing');
      expect(versionOf(listed)).toBe(versionOf(first));

      await folder.writeAtomic('v.txt', Buffer.from('second'));
      const second = await folder.stat('v.txt');
      if (second === undefined) throw new Error('v.txt is missing');
      expect(versionOf(second)).not.toBe(versionOf(first));
    });

    test('openRead streams the content; a missing file gives E_FOLDER_NOT_FOUND', async () => {
      await subject.plantFile('from-hq.txt', 'package bytes');
      expect(await text('from-hq.txt')).toBe('package bytes');
      await expect(folder.openRead('missing.txt')).rejects.toMatchObject({ code: 'E_FOLDER_NOT_FOUND' });
    });

    test('a small file is read whole (readWhole where the driver has it), refused past the limit; a missing one gives E_FOLDER_NOT_FOUND', async () => {
      await subject.plantFile('small.txt', 'package bytes');
      const tooLarge = (): Error => new Error('too large');
      expect((await readSmallFile(folder, 'small.txt', 13, tooLarge)).toString()).toBe('package bytes');
      await expect(readSmallFile(folder, 'small.txt', 12, tooLarge)).rejects.toThrow('too large');
      await expect(readSmallFile(folder, 'missing.txt', 13, tooLarge)).rejects.toMatchObject({ code: 'E_FOLDER_NOT_FOUND' });
    });

    test('a file removed while it is being read is read whole or fails with a folder error, never cut short silently', async () => {
      const content = Buffer.concat(Array.from({ length: 32 }, (_, index) => patternedChunk(index, 64 * 1024)));
      await folder.writeAtomic('pkg.bin', content);
      const chunks: Buffer[] = [];
      const outcome = await (async () => {
        for await (const chunk of await folder.openRead('pkg.bin')) {
          if (chunks.length === 0) await folder.remove('pkg.bin');
          chunks.push(chunk as Buffer);
        }
        return 'ended';
      })().catch((error: unknown) => error);

      if (outcome === 'ended') expect(Buffer.concat(chunks).equals(content)).toBe(true);
      else expect(outcome).toMatchObject({ code: expect.stringMatching(/^E_FOLDER_/) });
      expect(await folder.stat('pkg.bin')).toBeUndefined();
    });

    test('stat of a folder is undefined: stat describes files', async () => {
      await folder.ensureDir('sub');
      expect(await folder.stat('sub')).toBeUndefined();
    });

    test('writeAtomic writes bytes or a stream, replaces an existing file, and leaves no temporary name', async () => {
      await folder.writeAtomic('f.txt', Buffer.from('first'));
      await folder.writeAtomic('f.txt', Readable.from([Buffer.from('sec'), Buffer.from('ond')]));
      expect(await text('f.txt')).toBe('second');
      expect(await subject.rawNames('')).toEqual(['f.txt']);
    });

    test('writeAtomic into a missing folder gives E_FOLDER_NOT_FOUND and leaves nothing', async () => {
      await expect(folder.writeAtomic('missing/f.txt', Buffer.from('x'))).rejects.toMatchObject({ code: 'E_FOLDER_NOT_FOUND' });
      expect(await subject.rawNames('')).toEqual([]);
    });

    test('a source stream that fails half-way rejects the write and keeps the old file', async () => {
      await folder.writeAtomic('f.bin', Buffer.from('old'));
      await expect(folder.writeAtomic('f.bin', failingStream(4, 64 * 1024))).rejects.toThrow();
      expect(await text('f.bin')).toBe('old');
      expect((await folder.list('')).map((entry) => entry.name)).toEqual(['f.bin']);
      // A server may still be closing the broken upload after the adapter's own clean-up.
      await waitFor(async () => {
        await folder.sweepTemporaries('', new Date(Date.now() + 3_600_000));
        return (await subject.rawNames('')).length === 1;
      });
    });

    test('sweepTemporaries removes only its own temporary names older than the cut-off', async () => {
      await folder.writeAtomic('keep.bin', Buffer.from('k'));
      await subject.plantFile('.keep.bin.tmp-0123456789ab', 'left by a crash');
      await subject.plantFile('.other.bin.tmp-0123456789ab.0000000009', "a server's spool name built on ours");
      await subject.plantFile('.hq-upload-in-progress', 'HQ is writing');

      expect(await folder.sweepTemporaries('', new Date(0))).toBe(0);
      expect(await folder.sweepTemporaries('', new Date(Date.now() + 3_600_000), (name) => name.startsWith('.other'))).toBe(1);
      expect(await folder.sweepTemporaries('', new Date(Date.now() + 3_600_000))).toBe(1);
      expect(await subject.rawNames('')).toEqual(['.hq-upload-in-progress', 'keep.bin']);
      expect(await folder.sweepTemporaries('missing', new Date())).toBe(0);
    });

    test('move renames and replaces the destination; a missing source gives E_FOLDER_NOT_FOUND', async () => {
      await folder.ensureDir('done');
      await folder.writeAtomic('a.txt', Buffer.from('A'));
      await folder.writeAtomic('done/a.txt', Buffer.from('old'));
      await folder.move('a.txt', 'done/a.txt');
      expect(await folder.stat('a.txt')).toBeUndefined();
      expect(await text('done/a.txt')).toBe('A');
      await expect(folder.move('a.txt', 'done/b.txt')).rejects.toMatchObject({ code: 'E_FOLDER_NOT_FOUND' });
    });

    test('writeEach and moveEach do each file as writeAtomic and move do; one that fails leaves the others done', async () => {
      await folder.ensureDir('s/status');
      await folder.ensureDir('s/applied');
      await subject.plantFile('s/a.pkg', 'a');
      await subject.plantFile('s/b.pkg', 'b');
      await folder.writeAtomic('s/status/b.json', Buffer.from('old'));

      const written = await writeEach(folder, [
        { path: 's/status/a.json', content: Buffer.from('A') },
        { path: 's/missing/x.json', content: Buffer.from('X') },
        { path: 's/status/b.json', content: Buffer.from('B') },
      ]);
      expect(written.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(written[1]).toMatchObject({ reason: { code: 'E_FOLDER_NOT_FOUND' } });
      expect([await text('s/status/a.json'), await text('s/status/b.json')]).toEqual(['A', 'B']);
      expect(await subject.rawNames('s/status')).toEqual(['a.json', 'b.json']);

      const moved = await moveEach(folder, [
        { from: 's/a.pkg', to: 's/applied/a.pkg' },
        { from: 's/gone.pkg', to: 's/applied/gone.pkg' },
        { from: 's/b.pkg', to: 's/applied/b.pkg' },
      ]);
      expect(moved.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(moved[1]).toMatchObject({ reason: { code: 'E_FOLDER_NOT_FOUND' } });
      expect((await folder.list('s')).map((entry) => entry.name)).toEqual([]);
      expect((await folder.list('s/applied')).map((entry) => entry.name)).toEqual(['a.pkg', 'b.pkg']);
      expect(await text('s/applied/b.pkg')).toBe('b');
    });

    test('remove deletes a file; removing a missing file is fine', async () => {
      await folder.writeAtomic('f.txt', Buffer.from('x'));
      await folder.remove('f.txt');
      expect(await folder.stat('f.txt')).toBeUndefined();
      await expect(folder.remove('f.txt')).resolves.toBeUndefined();
    });

    test('ensureDir creates missing parents and accepts an existing folder', async () => {
      await folder.ensureDir('x/y/z');
      await folder.ensureDir('x/y/z');
      await folder.ensureDir('x');
      await folder.writeAtomic('x/y/z/f.txt', Buffer.from('deep'));
      expect(await text('x/y/z/f.txt')).toBe('deep');
    });

    test.each(BAD_PATHS)('every operation refuses the path %j with E_FOLDER_PATH', async (bad) => {
      await folder.writeAtomic('ok.txt', Buffer.from('x'));
      const attempts: Array<() => Promise<unknown>> = [
        () => folder.list(bad),
        () => folder.stat(bad),
        () => folder.openRead(bad),
        () => folder.writeAtomic(bad, Buffer.from('x')),
        () => folder.move(bad, 'ok2.txt'),
        () => folder.move('ok.txt', bad),
        () => folder.remove(bad),
        () => folder.ensureDir(bad),
      ];
      for (const attempt of attempts) await expect(attempt()).rejects.toMatchObject({ code: 'E_FOLDER_PATH' });
      expect(await subject.rawNames('')).toEqual(['ok.txt']);
    });

    test('file operations refuse the empty path (the root) with E_FOLDER_PATH', async () => {
      await expect(folder.openRead('')).rejects.toMatchObject({ code: 'E_FOLDER_PATH' });
      await expect(folder.writeAtomic('', Buffer.from('x'))).rejects.toMatchObject({ code: 'E_FOLDER_PATH' });
      await expect(folder.remove('')).rejects.toMatchObject({ code: 'E_FOLDER_PATH' });
    });

    test('check() finds a healthy folder writable and leaves no probe file behind', async () => {
      const health = await folder.check();
      expect(health).toMatchObject({ ok: true });
      if (health.ok && health.freeBytes !== undefined) expect(health.freeBytes).toBeGreaterThan(0);
      expect(await subject.rawNames('')).toEqual([]);
    });
  });
}
