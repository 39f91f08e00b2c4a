import { createInflateRaw, crc32, type InflateRaw } from 'node:zlib';
import { writtenOrClosed } from './drain.js';
import { packageError } from './errors.js';
import { MAX_GZIP_HEADER_BYTES } from './limits.js';

/** RFC 1952: ID1, ID2, CM (deflate), FLG, MTIME (4), XFL, OS. */
const FIXED_HEADER_BYTES = 10;
const MEMBER_TRAILER_BYTES = 8;
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FLAGS_RESERVED = 0xe0;
/**
 * Content handed on at once: each chunk costs a trip to the thread pool and through the stream's
 * read, so 64 KiB (twice what it was) halves their count. Not larger: a block of 128 KiB is above
 * the mmap threshold the daemon fixes for glibc (docs/applying.md, "Memory").
 */
const INFLATE_CHUNK_BYTES = 64 * 1024;

/**
 * Inflates a package body that must be exactly one gzip member (RFC 1952) and nothing after it.
 * Node's gunzip would go on into a second member and skip bytes after the first, so the header
 * is parsed here, the deflate data inflated raw, and the member's trailer (CRC-32 and size of
 * the content) checked against what came out. The body's length is known from the frame, so the
 * member's trailer is its last 8 bytes and the deflate data must end exactly before them.
 */
export class GzipMemberInflater {
  /** The content, for the caller to read and pass to `count`. */
  readonly output: InflateRaw = createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES });
  private header: Buffer[] = [];
  private headerBytes = 0;
  private dataStart: number | undefined;
  private position = 0;
  private readonly memberTrailer = Buffer.alloc(MEMBER_TRAILER_BYTES);
  private crc = 0;
  private contentBytes = 0;

  constructor(
    private readonly bodyBytes: number,
    private readonly where: string,
  ) {}

  /** Takes the next body bytes; resolves once the inflater is done with them (the caller may reuse `chunk`). */
  async write(chunk: Buffer): Promise<void> {
    const start = this.position;
    this.position += chunk.length;
    if (this.dataStart === undefined) {
      this.header.push(chunk);
      this.headerBytes += chunk.length;
      const bytes = Buffer.concat(this.header, this.headerBytes);
      const length = this.headerLength(bytes);
      // A copy: the caller may reuse `chunk`.
      this.header = [bytes];
      if (length === undefined) return;
      this.header = [];
      this.dataStart = length;
      await this.place(bytes.subarray(length), length);
      return;
    }
    await this.place(chunk, start);
  }

  end(): void {
    if (this.dataStart === undefined) throw this.corrupt('the body ends inside its gzip header');
    this.output.end();
  }

  /** Counts a chunk of content as it is read, for the member's trailer. */
  count(chunk: Buffer): void {
    this.crc = crc32(chunk, this.crc);
    this.contentBytes += chunk.length;
  }

  /** After the content ended: the deflate data filled the member and the trailer matches the content. */
  finish(): void {
    const dataBytes = this.bodyBytes - MEMBER_TRAILER_BYTES - (this.dataStart ?? 0);
    if (this.output.bytesWritten !== dataBytes) {
      throw this.corrupt(
        `the deflate data ends after ${this.output.bytesWritten} of ${dataBytes} bytes: a body is one gzip member with nothing after it`,
      );
    }
    if (this.memberTrailer.readUInt32LE(0) !== this.crc >>> 0 || this.memberTrailer.readUInt32LE(4) !== this.contentBytes % 2 ** 32) {
      throw this.corrupt('the gzip trailer does not match the content (CRC-32 or size)');
    }
  }

  destroy(): void {
    this.output.destroy();
  }

  /** Sends deflate data to the inflater and keeps the member's trailer, for bytes starting at body offset `at`. */
  private async place(bytes: Buffer, at: number): Promise<void> {
    const trailerStart = this.bodyBytes - MEMBER_TRAILER_BYTES;
    const dataEnd = Math.min(bytes.length, trailerStart - at);
    for (let i = Math.max(0, dataEnd); i < bytes.length; i++) this.memberTrailer[at + i - trailerStart] = bytes[i] as number;
    if (dataEnd > 0) await writtenOrClosed(this.output, bytes.subarray(0, dataEnd));
  }

  /** The header's length once `bytes` hold all of it, else undefined. */
  private headerLength(bytes: Buffer): number | undefined {
    if (bytes[0] !== 0x1f || (bytes.length > 1 && bytes[1] !== 0x8b) || (bytes.length > 2 && bytes[2] !== 8)) {
      throw this.corrupt('the body does not start with a gzip header');
    }
    if (bytes.length > 3 && ((bytes[3] as number) & FLAGS_RESERVED) !== 0) throw this.corrupt('the gzip header sets reserved flags');
    const length = gzipHeaderLength(bytes);
    if (length !== undefined && length > this.bodyBytes - MEMBER_TRAILER_BYTES)
      throw this.corrupt('the gzip member is shorter than its header');
    if (length === undefined && bytes.length > MAX_GZIP_HEADER_BYTES) {
      throw packageError('E_PACKAGE_LIMIT', `${this.where}: the gzip header is longer than ${MAX_GZIP_HEADER_BYTES} bytes`);
    }
    if (length === undefined && bytes.length >= this.bodyBytes) throw this.corrupt('the body ends inside its gzip header');
    return length;
  }

  private corrupt(problem: string): Error {
    return packageError('E_PACKAGE_CORRUPT', `${this.where}: ${problem}`);
  }
}

/** Length of the RFC 1952 header at the start of `bytes` (magic checked by the caller), or undefined while incomplete. */
export function gzipHeaderLength(bytes: Buffer): number | undefined {
  if (bytes.length < FIXED_HEADER_BYTES) return undefined;
  const flags = bytes[3] as number;
  let at = FIXED_HEADER_BYTES;
  if ((flags & FEXTRA) !== 0) {
    if (bytes.length < at + 2) return undefined;
    at += 2 + bytes.readUInt16LE(at);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if ((flags & flag) === 0) continue;
    const end = bytes.indexOf(0, at);
    if (end < 0) return undefined;
    at = end + 1;
  }
  if ((flags & FHCRC) !== 0) at += 2;
  return bytes.length < at ? undefined : at;
}
