/**
 * Remembers the primary keys of one table by a 64-bit fingerprint, so that duplicate-key
 * detection costs at most 16 bytes per key whatever the key's size. Two different keys share
 * a fingerprint with probability about n²/2^65 for n keys (≈3e-8 for a million), which would
 * make a valid package be reported as holding a duplicate; the format document states this bound.
 */
export class KeyFingerprintSet {
  private slots = new Uint32Array(2 * 1024);
  private size = 0;

  /** Adds the key; returns false when a key with the same fingerprint was already there. */
  add(keyText: string): boolean {
    let h1 = 0x811c9dc5;
    let h2 = 0x5bd1e995;
    for (let i = 0; i < keyText.length; i++) {
      const c = keyText.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 13;
    }
    h1 = mix(h1 ^ keyText.length);
    h2 = mix(h2 ^ h1);
    if (h1 === 0 && h2 === 0) h2 = 1;
    if (2 * (this.size + 1) > this.slots.length / 2) this.grow();
    if (!insert(this.slots, h1 >>> 0, h2 >>> 0)) return false;
    this.size++;
    return true;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i] as number;
      const b = old[i + 1] as number;
      if (a !== 0 || b !== 0) insert(this.slots, a, b);
    }
  }
}

/** murmur3's finaliser: spreads every input bit over the whole word. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Linear probing over (a, b) pairs; (0, 0) marks an empty slot. */
function insert(slots: Uint32Array, a: number, b: number): boolean {
  const mask = slots.length / 2 - 1;
  let index = a & mask;
  for (;;) {
    const at = index * 2;
    const sa = slots[at] as number;
    const sb = slots[at + 1] as number;
    if (sa === 0 && sb === 0) {
      slots[at] = a;
      slots[at + 1] = b;
      return true;
    }
    if (sa === a && sb === b) return false;
    index = (index + 1) & mask;
  }
}
