import { rm } from 'node:fs/promises';
import path from 'node:path';
import { FolderErrorCode } from '../../src/workfolder/working-folder.js';
import type { FaultyWorkingFolder } from '../support/faulty-working-folder.js';
import { type DownloadStore, FOLDERS, useDownloadStore } from './download-store.js';
import { CHANNEL_ENGINES } from '../channel/engines.js';

let store: DownloadStore;
let faulty: FaultyWorkingFolder;

describe.each(CHANNEL_ENGINES)('on $name', (engine) => {
  useDownloadStore(engine, async (created) => {
    store = created;
    faulty = store.faultyFolder();
  });

  describe('a package is downloaded once, whatever fails after its apply', () => {
    test('the move to applied/ fails: the next run settles it from the kept copy, without reading the package again', async () => {
      await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
      faulty.failNext('move', FolderErrorCode.unreachable);

      expect(await store.run()).toMatchObject({ fields: expect.objectContaining({ applied: 1 }) });
      expect(store.events('download.report_failed')).toEqual([expect.objectContaining({ sequence: 1, code: FolderErrorCode.unreachable })]);
      expect(await store.namesIn('download')).toEqual([store.fileName(1)]);
      expect(await store.staged()).toEqual([expect.stringMatching(/^kept-[0-9a-f]{32}-[0-9a-f]{64}$/)]);
      expect(faulty.calls('openRead')).toBe(1);

      await store.run();
      expect(store.events('download.settled')).toEqual([expect.objectContaining({ sequence: 1, status: 'Applied' })]);
      expect(await store.namesIn('applied')).toEqual([store.fileName(1)]);
      expect(faulty.calls('openRead')).toBe(1);
      expect(await store.staged()).toEqual([]);
    });

    test('the same across a restart: the kept copy on disk says what the file holds', async () => {
      await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
      faulty.failNext('move', FolderErrorCode.unreachable);
      await store.run();

      store.restart();
      await store.run();
      expect(await store.namesIn('applied')).toEqual([store.fileName(1)]);
      expect(faulty.calls('openRead')).toBe(1);
      expect(await store.db.downloads.list()).toEqual([expect.objectContaining({ sequence: 1, status: 'Applied' })]);
    });

    test('a kept copy whose file HQ removed meanwhile is swept', async () => {
      await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
      faulty.failNext('move', FolderErrorCode.unreachable);
      await store.run();
      await rm(path.join(store.folderRoot, FOLDERS.download, store.fileName(1)));

      await store.run();
      expect(await store.staged()).toEqual([]);
    });

    test('a file HQ replaced while it was being read (E_FOLDER_CHANGED) is read again from the start in the same run', async () => {
      await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
      faulty.cutNextRead(100, FolderErrorCode.changed);

      expect(await store.run()).toMatchObject({ outcome: 'done', fields: expect.objectContaining({ applied: 1 }) });
      expect(faulty.calls('openRead')).toBe(2);
      expect(await store.products()).toEqual([[1, 'one', 1]]);
    });
  });
});
