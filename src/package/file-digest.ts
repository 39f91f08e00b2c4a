import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Passes a package file's bytes through unchanged while taking their SHA-256 and count: the
 * identity the journal records for a package (a staged download, a built upload), taken on the
 * way to disk rather than by reading the file again.
 */
export class FileDigest extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  /** Bytes passed through so far. */
  get size(): number {
    return this.bytes;
  }

  /** SHA-256 of every byte, lowercase hex; once, after the last byte went through. */
  checksum(): string {
    return this.hash.digest('hex');
  }
}
