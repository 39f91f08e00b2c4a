import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** Collects a stream into one buffer; only for small test files. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function sha256Of(stream: AsyncIterable<Uint8Array>, onChunk: () => void = () => {}): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) {
    hash.update(chunk);
    onChunk();
  }
  return hash.digest('hex');
}

/** `chunkCount` chunks of `chunkBytes`, each filled from its index, made one at a time as they are pulled. */
export function patternedStream(
  chunkCount: number,
  chunkBytes: number,
  options: { delayMs?: number; onChunk?: () => void } = {},
): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let index = 0; index < chunkCount; index += 1) {
      if (options.delayMs !== undefined) await sleep(options.delayMs);
      options.onChunk?.();
      yield patternedChunk(index, chunkBytes);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/**
 * A chunk filled (natively, so that hundreds of MB cost little CPU on a loaded machine) with a
 * 7-byte pattern drawn from its index: chunks differ from one another, and a splice at any
 * offset that is not a multiple of 7 within a chunk changes the bytes too.
 */
export function patternedChunk(index: number, chunkBytes: number): Buffer {
  const pattern = Buffer.alloc(7);
  pattern.writeUInt32LE((index * 2654435761) >>> 0, 0);
  pattern.writeUIntLE((index * 40503 + 1) % 2 ** 24, 4, 3);
  return Buffer.alloc(chunkBytes, pattern);
}

/** A stream that yields `goodChunks` chunks and then fails, like a producer that crashed half-way. */
export function failingStream(goodChunks: number, chunkBytes: number): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let index = 0; index < goodChunks; index += 1) yield patternedChunk(index, chunkBytes);
    throw new Error('producer failed half-way');
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** Samples memory that would grow if a whole file were held: array buffers plus heap. */
export class MemoryPeak {
  private readonly baseline = MemoryPeak.sample();
  private peak = 0;

  observe(): void {
    this.peak = Math.max(this.peak, MemoryPeak.sample() - this.baseline);
  }

  growthBytes(): number {
    return this.peak;
  }

  private static sample(): number {
    const usage = process.memoryUsage();
    return usage.arrayBuffers + usage.heapUsed;
  }
}
