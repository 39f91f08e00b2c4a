import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { crc32, createDeflateRaw } from 'node:zlib';

/** The content after the manifest line, compressed once into a file: what `assemblePackage` frames. */
export interface SpooledBody {
  readonly path: string;
  /** Deflate level the lines were compressed with. */
  readonly level: number;
  /** CRC-32 and byte length of the uncompressed lines, for the gzip trailer. */
  readonly crc32: number;
  readonly length: number;
}

/**
 * Compresses a package's section and row lines into `path` as a raw deflate stream while a
 * producer checks and counts them, so that the manifest, which declares the counts up front,
 * can be put in front afterwards without compressing the rows again (assembled-package.ts).
 */
export class BodySpool {
  private readonly deflate;
  private readonly done: Promise<void>;
  private failure: Error | undefined;
  private crc = 0;
  private length = 0;

  constructor(
    readonly path: string,
    readonly level = 3,
  ) {
    this.deflate = createDeflateRaw({ level, chunkSize: 64 * 1024 });
    this.done = pipeline(this.deflate, createWriteStream(path, { flags: 'wx' })).catch((error: Error) => {
      this.failure ??= error;
    });
  }

  /**
   * Appends whole lines of UTF-8. Resolves once the compressor has consumed `bytes`, so that the
   * caller may fill the buffer again (and the compressor never queues more than it is given).
   */
  write(bytes: Buffer): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    this.crc = crc32(bytes, this.crc);
    this.length += bytes.length;
    return new Promise((resolve, reject) => {
      this.deflate.write(bytes, (error) => {
        const failure = error ?? this.failure;
        if (failure) reject(failure);
        else resolve();
      });
    });
  }

  async finish(): Promise<SpooledBody> {
    this.deflate.end();
    await this.done;
    if (this.failure !== undefined) throw this.failure;
    return { path: this.path, level: this.level, crc32: this.crc, length: this.length };
  }

  /** Stops compressing; the caller removes the file. */
  async abort(): Promise<void> {
    this.deflate.destroy();
    await this.done;
  }
}
