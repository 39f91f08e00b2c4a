/** Most bytes in one block: blocks grow without copying, so the run never needs twice its size. */
const MAX_BLOCK_BYTES = 1024 * 1024;

/**
 * Strictly ascending safe integers, kept as the varint of each one's distance to the one before
 * (less one): a byte per key while keys are less than 129 apart, as the ids of an export usually are.
 */
export class AscendingIntegers {
  private readonly blocks: Uint8Array[] = [];
  private used = 0;
  private first = 0;
  private lastValue: number | undefined;
  count = 0;

  get last(): number | undefined {
    return this.lastValue;
  }

  /** Whether `value`, above `last`, can be kept: its distance to `last` must be exact, a safe integer too. */
  takes(value: number): boolean {
    return this.lastValue === undefined || Number.isSafeInteger(value - this.lastValue);
  }

  /** Appends `value`, which must be above `last` and `takes`. */
  push(value: number): void {
    if (this.lastValue === undefined) this.first = value;
    else {
      let gap = value - this.lastValue - 1;
      while (gap >= 0x80) {
        this.byte((gap % 0x80) | 0x80);
        gap = Math.floor(gap / 0x80);
      }
      this.byte(gap);
    }
    this.lastValue = value;
    this.count++;
  }

  *values(): Generator<number> {
    if (this.lastValue === undefined) return;
    let value = this.first;
    yield value;
    let gap = 0;
    let scale = 1;
    for (let b = 0; b < this.blocks.length; b++) {
      const block = this.blocks[b] as Uint8Array;
      const end = b === this.blocks.length - 1 ? this.used : block.length;
      for (let i = 0; i < end; i++) {
        const byte = block[i] as number;
        gap += (byte & 0x7f) * scale;
        if (byte & 0x80) scale *= 0x80;
        else {
          value += gap + 1;
          yield value;
          gap = 0;
          scale = 1;
        }
      }
    }
  }

  /** Forgets every value. */
  clear(): void {
    this.blocks.length = 0;
    this.used = 0;
    this.lastValue = undefined;
    this.count = 0;
  }

  private byte(value: number): void {
    let block = this.blocks.at(-1);
    if (block === undefined || this.used === block.length) {
      // Small tables stay small: blocks start at 4 KiB and double up to the largest.
      block = new Uint8Array(Math.min(MAX_BLOCK_BYTES, 4096 * 2 ** this.blocks.length));
      this.blocks.push(block);
      this.used = 0;
    }
    block[this.used++] = value;
  }
}
