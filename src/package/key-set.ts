import { AscendingIntegers } from './ascending-integers.js';

/** A value that orders keys: numbers and bigints compare numerically, strings by code unit. */
export type KeyOrder = string | number | bigint;

/**
 * Remembers the primary keys of one table by a 64-bit fingerprint, so that duplicate-key
 * detection costs a fixed number of bytes per key whatever the key's size.
 *
 * While keys arrive in strictly ascending order (the usual export order) no key can repeat, and
 * keys are only appended to a run: safe integer keys as the varint of their distance to the one
 * before (a byte per key for dense ids), others as fingerprints (8 bytes per key), with no random
 * memory access. The first key out of order turns the run into an open-addressing table of
 * fingerprints kept at most half full (up to 16 bytes per key), which every later key is checked
 * against. Two different keys share a fingerprint with probability about n²/2^65 for n keys
 * (≈3e-8 for a million), which would report a duplicate that is not one; docs/package-format.md
 * states this bound.
 */
export class KeyFingerprintSet {
  /** The ascending run of integer keys, while every key so far is a safe integer. */
  private readonly integers = new AscendingIntegers();
  /** The ascending run of fingerprints in blocks of pairs: it grows without copying, so never needs twice its size. */
  private readonly run: Uint32Array[] = [];
  private runLength = 0;
  private blockUsed = 0;
  private last: KeyOrder | undefined;
  private slots: Uint32Array | undefined;
  private size = 0;

  /**
   * Adds the key; returns false when a key with the same fingerprint was already there. `text`
   * is the key's canonical text; for a single integer key `order` is the key itself (a number
   * or bigint) and `text` its `String`.
   */
  add(text: string, order: KeyOrder): boolean {
    if (this.slots === undefined) {
      if (this.last === undefined || order > this.last) {
        this.last = order;
        if (typeof order === 'number' && this.runLength === 0 && this.integers.takes(order)) this.integers.push(order);
        else {
          this.moveIntegersToRun();
          this.append(text);
        }
        return true;
      }
      this.slots = this.tableFromRun();
    }
    if (2 * (this.size + 1) > this.slots.length / 2) this.slots = rehash([this.slots], this.slots.length * 2);
    fingerprint(text);
    if (!insert(this.slots, print[0] as number, print[1] as number)) return false;
    this.size++;
    return true;
  }

  /**
   * Adds a safe integer key above every key so far without making its text, where the ascending
   * run of integers takes it (the usual export); false, having added nothing, otherwise: then
   * `add` takes the key.
   */
  addAscendingInteger(value: number): boolean {
    // With no run and no table, every key so far is in `integers`.
    if (this.slots !== undefined || this.runLength !== 0 || !this.integers.takes(value)) return false;
    const last = this.integers.last;
    if (last !== undefined && !(value > last)) return false;
    this.last = value;
    this.integers.push(value);
    return true;
  }

  /** How many keys are held. */
  get count(): number {
    return this.slots === undefined ? this.integers.count + this.runLength : this.size;
  }

  /**
   * Whether a key with the same fingerprint is held, without adding it: for a set that keeps a
   * bounded number of keys while later ones are checked elsewhere (src/cli/package/spilled-keys.ts).
   * A key above every key held cannot be one of them.
   */
  has(text: string, order: KeyOrder): boolean {
    if (this.slots === undefined) {
      if (this.last === undefined || order > this.last) return false;
      this.slots = this.tableFromRun();
    }
    fingerprint(text);
    return freeSlot(this.slots, print[0] as number, print[1] as number) < 0;
  }

  private moveIntegersToRun(): void {
    if (this.integers.count === 0) return;
    for (const value of this.integers.values()) this.append(String(value));
    this.integers.clear();
  }

  private append(text: string): void {
    fingerprint(text);
    let block = this.run.at(-1);
    if (block === undefined || 2 * this.blockUsed === block.length) {
      // Small tables stay small: blocks start at 8 KiB and double up to the largest.
      block = new Uint32Array(2 * Math.min(MAX_RUN_BLOCK, 1024 * 2 ** this.run.length));
      this.run.push(block);
      this.blockUsed = 0;
    }
    block[2 * this.blockUsed] = print[0] as number;
    block[2 * this.blockUsed + 1] = print[1] as number;
    this.blockUsed++;
    this.runLength++;
  }

  private tableFromRun(): Uint32Array {
    this.moveIntegersToRun();
    let capacity = 1024;
    while (capacity < 2 * (this.runLength + 1)) capacity *= 2;
    const slots = rehash(this.run.splice(0), 2 * capacity);
    this.size = this.runLength;
    return slots;
  }
}

/** Most pairs in one block of the ascending run: 512 KiB. */
const MAX_RUN_BLOCK = 64 * 1024;

/** The last fingerprint taken: two words, never both 0. */
const print = new Uint32Array(2);

/** The 64-bit fingerprint of `text` as two words, in an array the next call overwrites. */
export function keyFingerprint(text: string): Readonly<Uint32Array> {
  fingerprint(text);
  return print;
}

/** Puts the 64-bit fingerprint of `text` in `print`. */
function fingerprint(text: string): void {
  let h1 = 0x811c9dc5;
  let h2 = 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  h1 = mix(h1 ^ text.length) >>> 0;
  h2 = mix(h2 ^ h1) >>> 0;
  print[0] = h1;
  print[1] = h1 === 0 && h2 === 0 ? 1 : h2;
}

/** murmur3's finaliser: spreads every input bit over the whole word. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A table of `length` words holding the pairs of `blocks`; (0, 0) pairs are empty slots or unused block ends. */
function rehash(blocks: readonly Uint32Array[], length: number): Uint32Array {
  const slots = new Uint32Array(length);
  for (const pairs of blocks) {
    for (let i = 0; i < pairs.length; i += 2) {
      const a = pairs[i] as number;
      const b = pairs[i + 1] as number;
      if (a !== 0 || b !== 0) insert(slots, a, b);
    }
  }
  return slots;
}

/** Linear probing over (a, b) pairs; (0, 0) marks an empty slot. False when (a, b) is there already. */
function insert(slots: Uint32Array, a: number, b: number): boolean {
  const at = freeSlot(slots, a, b);
  if (at < 0) return false;
  slots[at] = a;
  slots[at + 1] = b;
  return true;
}

/** Where (a, b) would go, or -1 when it is there already. */
function freeSlot(slots: Uint32Array, a: number, b: number): number {
  const mask = slots.length / 2 - 1;
  let index = a & mask;
  for (;;) {
    const at = index * 2;
    const sa = slots[at] as number;
    const sb = slots[at + 1] as number;
    if (sa === 0 && sb === 0) return at;
    if (sa === a && sb === b) return -1;
    index = (index + 1) & mask;
  }
}
