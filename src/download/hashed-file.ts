import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { YoungGarbage } from '../workfolder/streams.js';

/** What a write to the copy gathers at least (the last one excepted). */
const BATCH_BYTES = 1024 * 1024;

/**
 * The end of a download's pipe: hashes each chunk as it comes and writes the chunks to `file`
 * in `writev`s of at least 1 MiB. A file WriteStream wrote the first chunk after each pause
 * alone (16 KiB), so half its writes were that small, and a Transform before it only hashed:
 * both showed in the GET's profile. The chunk that fills a batch is acknowledged when the batch
 * is on disk, so the pipe waits on the disk as it would on a WriteStream.
 */
export class HashedFile extends Writable {
  size = 0;
  private batch: Buffer[] = [];
  private batched = 0;
  private readonly garbage = new YoungGarbage();

  constructor(
    private readonly file: FileHandle,
    private readonly hash: Hash,
  ) {
    super({ highWaterMark: BATCH_BYTES });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.take(chunk);
    this.flushIfFull(done);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, done: (error?: Error | null) => void): void {
    for (const { chunk } of chunks) this.take(chunk);
    this.flushIfFull(done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.flush(done);
  }

  private take(chunk: Buffer): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    this.garbage.add(chunk.length);
    this.batch.push(chunk);
    this.batched += chunk.length;
  }

  private flushIfFull(done: (error?: Error | null) => void): void {
    if (this.batched < BATCH_BYTES) done();
    else this.flush(done);
  }

  private flush(done: (error?: Error | null) => void): void {
    const buffers = this.batch;
    this.batch = [];
    this.batched = 0;
    if (buffers.length === 0) done();
    else this.file.writev(buffers).then(() => done(), done);
  }
}
