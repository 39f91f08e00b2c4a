import { closeSync, copyFileSync, fsyncSync, openSync } from 'node:fs';

/**
 * Copies a phase's database in its setup, before the clock starts, and flushes the copy. On ext4
 * a commit's fsync also writes out the blocks of files written since the last journal commit:
 * unflushed, the phase's first flushed commit paid for the copy (a 72 MB one took 30 to 60 ms;
 * docs/benchmarks.md, issue 10, twenty-first round).
 */
export function copySynced(from: string, to: string): void {
  copyFileSync(from, to);
  const descriptor = openSync(to, 'r+');
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}
