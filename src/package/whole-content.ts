import { crc32, inflateRawSync, type InflateRaw } from 'node:zlib';
import { PARSE_PIECE_BYTES, RowBatches } from './batches.js';
import { ContentParser, type ContentExpectations } from './content-parser.js';
import { gzipHeaderLength } from './gzip-member.js';
import { MAX_GZIP_HEADER_BYTES } from './limits.js';
import type { PackageManifest, RowBatch } from './types.js';

/**
 * Most content a body held whole is inflated to at once, on the calling thread: this bounds the
 * time (a few milliseconds) and the memory it takes whatever the body declares. A larger content
 * goes through the streamed inflater, under the reader's limits.
 */
const WHOLE_CONTENT_BYTES = 4 * 1024 * 1024;
const MEMBER_TRAILER_BYTES = 8;

/**
 * The content of a package body held in memory whole (a small package), inflated in one
 * synchronous call instead of a stream (each of whose chunks is a trip to the thread pool), or
 * undefined when it is not the plain case: an unusual header, content past WHOLE_CONTENT_BYTES, or
 * anything wrong with the member. The streamed inflater then reads the body and says what is wrong,
 * so that a body is refused for the same reasons either way.
 */
export function inflateWhole(body: Buffer): Buffer | undefined {
  const end = body.length - MEMBER_TRAILER_BYTES;
  if (end < 0 || body[0] !== 0x1f || body[1] !== 0x8b || body[2] !== 8 || ((body[3] as number) & 0xe0) !== 0) return undefined;
  const start = gzipHeaderLength(body);
  if (start === undefined || start > end || start > MAX_GZIP_HEADER_BYTES) return undefined;
  try {
    const { buffer, engine } = inflateRawSync(body.subarray(start, end), {
      info: true,
      maxOutputLength: WHOLE_CONTENT_BYTES,
    }) as unknown as { buffer: Buffer; engine: InflateRaw };
    const whole = engine.bytesWritten === end - start;
    const trailerMatches = body.readUInt32LE(end) === crc32(buffer) >>> 0 && body.readUInt32LE(end + 4) === buffer.length % 2 ** 32;
    return whole && trailerMatches ? buffer : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Content inflated whole, parsed once: `readManifest` parses its first line, and `rows` reads on
 * from there with the same parser, yielding the checked rows in batches as `readContent` does.
 */
export class WholeContent {
  private readonly sink: RowBatches;
  private readonly parser: ContentParser;
  private at = 0;

  constructor(
    private readonly content: Buffer,
    where: string,
    options: ContentExpectations & { readonly batchRows?: number },
    bodyBytes: number,
  ) {
    this.sink = new RowBatches(options.batchRows ?? 64);
    this.parser = new ContentParser(where, options, bodyBytes, this.sink);
  }

  /** Parses the first line: the manifest, or undefined when no line ends (`rows` then says what is wrong). */
  readManifest(): PackageManifest | undefined {
    this.at = this.content.indexOf(0x0a) + 1;
    this.parser.push(this.content.subarray(0, this.at));
    return this.parser.manifest;
  }

  /** Parses the rest of the content; returns the manifest. */
  *rows(): Generator<RowBatch, PackageManifest, undefined> {
    for (; this.at < this.content.length; this.at += PARSE_PIECE_BYTES) {
      this.parser.push(this.content.subarray(this.at, this.at + PARSE_PIECE_BYTES));
      yield* this.sink.drain();
    }
    const manifest = this.parser.end();
    yield* this.sink.drain();
    return manifest;
  }
}

/**
 * Parses content inflated whole, yielding the checked rows in batches as `readContent` does; with
 * `until: 'manifest'`, only the first line is parsed, and the manifest returned.
 */
export function* parseWholeContent(
  content: Buffer,
  where: string,
  options: ContentExpectations & { readonly batchRows?: number },
  bodyBytes: number,
  until?: 'manifest',
): Generator<RowBatch, PackageManifest, undefined> {
  const whole = new WholeContent(content, where, options, bodyBytes);
  const manifest = until === 'manifest' ? whole.readManifest() : undefined;
  return manifest ?? (yield* whole.rows());
}
