import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where a key first seen again was read. */
export interface RepeatedKey {
  readonly row: number;
  readonly line: number;
}

/** Keys sorted in memory at a time: 2 MiB of fingerprints and 4 MiB of their rows and lines. */
const CHUNK_KEYS = 256 * 1024;
/** Fingerprints read from each sorted run at a time while the runs are merged. */
const MERGE_BLOCK_KEYS = 8 * 1024;

/**
 * The keys of a table too large to keep every key's fingerprint in memory, checked for a
 * repeat in bounded memory, as an external sort does: fingerprints are gathered in chunks,
 * each chunk sorted and written to a run file of its own, and the runs merged at the end,
 * where equal neighbours are repeats. Each key's fingerprint, row and line also go to a log
 * file in the order they were read, which names the row where a repeated key came again.
 * The files live in a temporary folder that `close` removes.
 */
export class SpilledKeys {
  private readonly prints: BigUint64Array;
  /** The same memory as `prints`: a fingerprint is the words (low, high) of its 64 bits. */
  private readonly printWords: Uint32Array;
  /** Per key in reading order: fingerprint (high, low), row, line. */
  private readonly log: Uint32Array;
  private used = 0;
  private folder: string | undefined;
  private logFile: number | undefined;
  private readonly runs: string[] = [];
  private readonly repeats = new Set<bigint>();

  constructor(private readonly chunkKeys = CHUNK_KEYS) {
    this.prints = new BigUint64Array(chunkKeys);
    this.printWords = new Uint32Array(this.prints.buffer);
    this.log = new Uint32Array(4 * chunkKeys);
  }

  /** `print`: the key's fingerprint as (high, low) words (keyFingerprint). */
  add(print: Readonly<Uint32Array>, row: number, line: number): void {
    const high = print[0] as number;
    const low = print[1] as number;
    this.printWords[2 * this.used] = low;
    this.printWords[2 * this.used + 1] = high;
    const at = 4 * this.used;
    this.log[at] = high;
    this.log[at + 1] = low;
    this.log[at + 2] = row;
    this.log[at + 3] = line;
    this.used++;
    if (this.used === this.chunkKeys) this.spill();
  }

  /** The row and line where a key read before came again, the earliest such row; undefined when no key repeats. */
  firstRepeat(): RepeatedKey | undefined {
    if (this.used > 0) this.spill();
    this.mergeRuns();
    return this.repeats.size === 0 ? undefined : this.rowOfFirstRepeat();
  }

  close(): void {
    if (this.logFile !== undefined) closeSync(this.logFile);
    this.logFile = undefined;
    if (this.folder !== undefined) rmSync(this.folder, { recursive: true, force: true });
    this.folder = undefined;
  }

  private spill(): void {
    this.folder ??= mkdtempSync(join(tmpdir(), 'async-client-keys-'));
    this.logFile ??= openSync(join(this.folder, 'log'), 'w+');
    writeSync(this.logFile, this.log, 0, 16 * this.used);
    const sorted = this.prints.subarray(0, this.used).sort();
    const run = join(this.folder, `run-${this.runs.length}`);
    const file = openSync(run, 'w');
    try {
      writeSync(file, sorted, 0, 8 * this.used);
    } finally {
      closeSync(file);
    }
    this.runs.push(run);
    this.used = 0;
  }

  /** Reads the runs in fingerprint order, noting every fingerprint met twice. */
  private mergeRuns(): void {
    const readers = this.runs.map((path) => new RunReader(path));
    try {
      let previous: bigint | undefined;
      for (;;) {
        let smallest: RunReader | undefined;
        for (const reader of readers) {
          if (reader.current !== undefined && (smallest === undefined || reader.current < (smallest.current as bigint))) smallest = reader;
        }
        if (smallest === undefined) return;
        const print = smallest.current as bigint;
        if (print === previous) this.repeats.add(print);
        previous = print;
        smallest.next();
      }
    } finally {
      for (const reader of readers) reader.close();
    }
  }

  private rowOfFirstRepeat(): RepeatedKey | undefined {
    const seen = new Set<bigint>();
    const block = new Uint32Array(4 * MERGE_BLOCK_KEYS);
    const file = this.logFile as number;
    for (let position = 0; ; ) {
      const bytes = readSync(file, block, 0, block.byteLength, position);
      if (bytes === 0) return undefined;
      position += bytes;
      for (let at = 0; at < bytes / 4; at += 4) {
        const print = (BigInt(block[at] as number) << 32n) | BigInt(block[at + 1] as number);
        if (!this.repeats.has(print)) continue;
        if (seen.has(print)) return { row: block[at + 2] as number, line: block[at + 3] as number };
        seen.add(print);
      }
    }
  }
}

/** One sorted run, read a block at a time. */
class RunReader {
  private readonly file: number;
  private readonly block = new BigUint64Array(MERGE_BLOCK_KEYS);
  private held = 0;
  private at = 0;
  private position = 0;
  current: bigint | undefined;

  constructor(path: string) {
    this.file = openSync(path, 'r');
    this.next();
  }

  next(): void {
    if (this.at === this.held) {
      const bytes = readSync(this.file, this.block, 0, this.block.byteLength, this.position);
      this.position += bytes;
      this.held = bytes / 8;
      this.at = 0;
      if (this.held === 0) {
        this.current = undefined;
        return;
      }
    }
    this.current = this.block[this.at++];
  }

  close(): void {
    closeSync(this.file);
  }
}
