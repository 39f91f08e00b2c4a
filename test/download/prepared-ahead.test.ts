import type { PreparedPackage } from '../../src/download/package-turn.js';
import { PreparedAhead, type Preparer, SMALL_AHEAD, SMALL_AHEAD_BYTES } from '../../src/download/prepared-ahead.js';
import type { FolderEntry } from '../../src/workfolder/working-folder.js';

const HELD_BYTES = 1024 * 1024;

/** A listing of packages from sequence 1, of the sizes given. */
function listing(sizes: readonly number[]): Map<number, FolderEntry> {
  return new Map(
    sizes.map((size, i) => {
      const name = `STORE-1_download_${String(i + 1).padStart(12, '0')}.acpkg`;
      return [i + 1, { path: `STORE-1/download/${name}`, name, size, modifiedAt: new Date(0) }];
    }),
  );
}

/** Prepares nothing for real: records which files were set going and which prepared packages were discarded. */
class RecordingPreparer implements Preparer {
  readonly started: string[] = [];
  readonly discarded: string[] = [];

  prepare(file: FolderEntry): Promise<PreparedPackage> {
    this.started.push(file.name);
    return Promise.resolve({ outcome: 'unreadable', error: new Error(file.name) });
  }

  discard(prepared: PreparedPackage): void {
    if (prepared.outcome === 'unreadable') this.discarded.push(String((prepared.error as Error).message));
  }
}

function sequencesOf(names: readonly string[]): number[] {
  return names.map((name) => Number(/_(\d{12})\.acpkg$/.exec(name)?.[1]));
}

describe('packages prepared ahead of their turn', () => {
  const take = (ahead: PreparedAhead, files: Map<number, FolderEntry>, sequence: number): Promise<PreparedPackage> =>
    ahead.take(sequence, files.get(sequence) as FolderEntry);
  const isSmall = (file: FolderEntry): boolean => file.size <= HELD_BYTES;

  test('a backlog of tiny packages has SMALL_AHEAD of them in flight after the one taken, topped up half a window at a time', async () => {
    const files = listing(Array.from({ length: 40 }, () => 700));
    const preparer = new RecordingPreparer();
    const ahead = new PreparedAhead(preparer, files, isSmall);
    await take(ahead, files, 1);
    expect(sequencesOf(preparer.started)).toEqual(Array.from({ length: SMALL_AHEAD + 1 }, (_, i) => i + 1));
    const half = SMALL_AHEAD / 2;
    for (let sequence = 2; sequence <= half; sequence += 1) await take(ahead, files, sequence);
    expect(preparer.started).toHaveLength(SMALL_AHEAD + 1);
    // Half of them taken: the window is filled again at once, so that their reads go to the file worker together.
    await take(ahead, files, half + 1);
    expect(sequencesOf(preparer.started).slice(SMALL_AHEAD + 1)).toEqual(Array.from({ length: half }, (_, i) => SMALL_AHEAD + 2 + i));
  });

  test('packages of the largest size held are prepared ahead only as far as SMALL_AHEAD_BYTES', async () => {
    const files = listing(Array.from({ length: 40 }, () => HELD_BYTES));
    const preparer = new RecordingPreparer();
    await take(new PreparedAhead(preparer, files, isSmall), files, 1);
    const held = SMALL_AHEAD_BYTES / HELD_BYTES;
    expect(held).toBeLessThan(SMALL_AHEAD);
    expect(sequencesOf(preparer.started)).toEqual(Array.from({ length: held + 1 }, (_, i) => i + 1));
  });

  test('the next package is prepared even when large; past it, preparing stops at the first large one', async () => {
    const files = listing([700, HELD_BYTES + 1, 700, HELD_BYTES + 1, 700]);
    const preparer = new RecordingPreparer();
    await take(new PreparedAhead(preparer, files, isSmall), files, 1);
    expect(sequencesOf(preparer.started)).toEqual([1, 2, 3]);
  });

  test('packages skipped over are discarded, and so is what is left at the end', async () => {
    const files = listing([700, 700, 700, 700, 700]);
    const preparer = new RecordingPreparer();
    const ahead = new PreparedAhead(preparer, files, isSmall);
    await take(ahead, files, 1);
    await take(ahead, files, 4);
    expect(sequencesOf(preparer.discarded)).toEqual([2, 3]);
    await ahead.discard();
    expect(sequencesOf(preparer.discarded)).toEqual([2, 3, 5]);
  });
});
