import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContractSubject } from './contract.js';
import { MemoryPeak, patternedChunk, patternedStream, readAll, sha256Of } from './byte-streams.js';

const MB = 1024 * 1024;
const LARGE_FILE_TIMEOUT_MS = 240_000;

class Gate {
  open: () => void = () => {};
  readonly opened = new Promise<void>((resolve) => {
    this.open = resolve;
  });
}

/** Polls until `condition` holds; the write under test is paused, so it will (or the test times out). */
export async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await sleep(10);
}

/** The contract's promises about writes in progress and large files; `current` gives the test's subject. */
export function describeWritesUnderWay(current: () => ContractSubject): void {
  test('while a write is under way, readers see the old file whole and list never shows the temporary name', async () => {
    const subject = current();
    const { folder } = subject;
    const chunkBytes = 64 * 1024;
    const oldContent = Buffer.alloc(chunkBytes * 16, 'o');
    await folder.writeAtomic('f.bin', oldContent);
    const halfWritten = new Gate();
    const finishWriting = new Gate();
    async function* halted(): AsyncGenerator<Buffer> {
      for (let index = 0; index < 16; index += 1) {
        if (index === 8) {
          halfWritten.open();
          await finishWriting.opened;
        }
        yield patternedChunk(index, chunkBytes);
      }
    }

    const write = folder.writeAtomic('f.bin', Readable.from(halted(), { objectMode: false }));
    await halfWritten.opened;
    await waitFor(async () => (await subject.rawNames('')).some((name) => name.startsWith('.')));
    for (let read = 0; read < 3; read += 1) {
      expect((await folder.list('')).map((entry) => entry.name)).toEqual(['f.bin']);
      expect((await readAll(await folder.openRead('f.bin'))).equals(oldContent)).toBe(true);
    }
    finishWriting.open();
    await write;

    const newContent = Buffer.concat(Array.from({ length: 16 }, (_, index) => patternedChunk(index, chunkBytes)));
    expect((await readAll(await folder.openRead('f.bin'))).equals(newContent)).toBe(true);
    expect(await subject.rawNames('')).toEqual(['f.bin']);
  });

  // V8 collects dead buffers only after tens of MB of them pile up, so memory may grow
  // by some 50 MB however the file is handled; a file held whole would add all 200 MB, so
  // the size stays. 200 MB goes through the server twice (and TLS, on Apache): a niced test
  // beside benchmarks gets a few MB/s of CPU, so the time it may take is 4 minutes, not 1.
  test(
    'a 200 MB file round-trips as a stream, never held whole in memory',
    async () => {
      const { folder } = current();
      const chunkBytes = 256 * 1024;
      const chunkCount = (200 * MB) / chunkBytes;
      const memory = new MemoryPeak();
      const expected = await sha256Of(patternedStream(chunkCount, chunkBytes));

      await folder.writeAtomic('big.bin', patternedStream(chunkCount, chunkBytes, { onChunk: () => memory.observe() }));
      const actual = await sha256Of(await folder.openRead('big.bin'), () => memory.observe());

      expect(actual).toBe(expected);
      expect((await folder.stat('big.bin'))?.size).toBe(200 * MB);
      expect(memory.growthBytes()).toBeLessThan(100 * MB);
    },
    LARGE_FILE_TIMEOUT_MS,
  );
}
