import { createHash } from 'node:crypto';
import { AsyncClientError, errorMessage } from '../errors.js';
import { PARSE_PIECE_BYTES, RowBatches } from './batches.js';
import { type ByteChunks, byteChunks, type PackageSource } from './byte-chunks.js';
import { ContentParser, type ContentExpectations } from './content-parser.js';
import { packageError } from './errors.js';
import { GzipMemberInflater } from './gzip-member.js';
import type { PackageManifest, RowBatch } from './types.js';
import { inflateWhole, parseWholeContent, WholeContent } from './whole-content.js';

export interface ContentOptions extends ContentExpectations {
  /** Most rows in one batch (default 64: rows of small batches die young, which keeps the heap small; measured in bench/package.bench.ts). */
  readonly batchRows?: number;
  /** How messages name the package (default: the path, or "package"). */
  readonly label?: string;
}

/** The body a frame check found: its digest and size. */
export interface BodyFrame {
  readonly sha256: string;
  readonly bodyBytes: number;
}

/**
 * The second pass: hashes the body again (it must be the body whose frame was checked) and
 * inflates it once through the content parser, yielding the checked rows in batches. After a content error it reads on, hashing only, so that a file changed since the frame
 * was checked is reported as changed. With `until: 'manifest'` it stops, yielding nothing, once
 * the manifest line is read and checked.
 */
export async function* readContent(
  source: PackageSource,
  frame: BodyFrame,
  options: ContentOptions,
  until?: 'manifest',
): AsyncGenerator<RowBatch, PackageManifest, undefined> {
  const where = labelOf(source, options);
  // Bytes held whole are the very bytes whose frame was checked: nothing to hash again.
  const content = inflateHeld(source, frame);
  if (content !== undefined) return yield* parseWholeContent(content, where, options, frame.bodyBytes, until);
  const sink = new RowBatches(options.batchRows ?? 64);
  const raw = byteChunks(source);
  const member = new GzipMemberInflater(frame.bodyBytes, where);
  const parser = new ContentParser(where, options, frame.bodyBytes, sink);
  const feeding = { stopped: false };
  const fed = feedBody(raw, frame.bodyBytes, member, feeding);
  let contentError: unknown;
  try {
    try {
      for await (const chunk of member.output) {
        member.count(chunk as Buffer);
        for (let at = 0; at < (chunk as Buffer).length; at += PARSE_PIECE_BYTES) {
          parser.push((chunk as Buffer).subarray(at, at + PARSE_PIECE_BYTES));
          if (until === 'manifest' && parser.manifest !== undefined) {
            // Stopped before the iterator returns: a live stream would be destroyed with an AbortError, its stack trace made for nobody.
            feeding.stopped = true;
            member.destroy();
            return parser.manifest;
          }
          yield* sink.drain();
        }
      }
      member.finish();
      parser.end();
      yield* sink.drain();
    } catch (error) {
      contentError =
        error instanceof AsyncClientError
          ? error
          : packageError('E_PACKAGE_CORRUPT', `${where}: the body does not decompress: ${errorMessage(error)}`, {}, error);
      feeding.stopped = true;
      member.destroy();
    }
    const outcome = await fed;
    if ('error' in outcome) throw outcome.error;
    if (outcome.sha256 !== frame.sha256) {
      throw packageError('E_PACKAGE_CHECKSUM', `${where}: the package changed after its frame was checked; verify it again`, {
        expected: frame.sha256,
        actual: outcome.sha256,
      });
    }
    if (contentError !== undefined) throw contentError;
    return parser.manifest as PackageManifest;
  } finally {
    raw.close();
    member.destroy();
  }
}

/**
 * Inflated content kept from a package's opening for its rows: at most this much, so that the
 * packages prepared ahead of their turn hold little (a backlog's are a few KiB each).
 */
const KEPT_CONTENT_BYTES = 64 * 1024;

/** A package held in memory whole, opened: its manifest read, its rows to come (`openHeldContent`). */
export interface HeldContent {
  readonly manifest: PackageManifest;
  /** The checked rows: read on from the manifest the first time, from the start after that. */
  rows(): AsyncGenerator<RowBatch, PackageManifest, undefined>;
}

/**
 * Opens a package held in memory whole (a small one) for applying: its content is inflated and its
 * manifest read now, and the first read of its rows goes on with the same parser, so that the
 * package is decompressed and parsed once. Content past KEPT_CONTENT_BYTES is not kept: its rows
 * are read again from the bytes. Undefined when the source is not held, or its body is not the
 * plain case (`inflateWhole`), or no manifest line ends: `readContent` reads it then.
 */
export function openHeldContent(source: PackageSource, frame: BodyFrame, options: ContentOptions): HeldContent | undefined {
  const content = inflateHeld(source, frame);
  if (content === undefined) return undefined;
  const opened = new WholeContent(content, labelOf(source, options), options, frame.bodyBytes);
  const manifest = opened.readManifest();
  if (manifest === undefined) return undefined;
  let whole = content.length <= KEPT_CONTENT_BYTES ? opened : undefined;
  return {
    manifest,
    rows: () => {
      const begun = whole;
      whole = undefined;
      return begun === undefined ? readContent(source, frame, options) : readOn(begun);
    },
  };
}

/** The content of a body held in memory, inflated in one call; undefined when it is not held, or not the plain case. */
function inflateHeld(source: PackageSource, frame: BodyFrame): Buffer | undefined {
  return Buffer.isBuffer(source) ? inflateWhole(source.subarray(0, frame.bodyBytes)) : undefined;
}

async function* readOn(whole: WholeContent): AsyncGenerator<RowBatch, PackageManifest, undefined> {
  return yield* whole.rows();
}

/** Moves the body's bytes into the inflater while hashing them; never rejects. */
async function feedBody(
  raw: ByteChunks,
  bodyBytes: number,
  member: GzipMemberInflater,
  feeding: { stopped: boolean },
): Promise<{ sha256: string } | { error: unknown }> {
  const hash = createHash('sha256');
  let seen = 0;
  try {
    for await (const chunk of raw) {
      const body = chunk.subarray(0, Math.max(0, bodyBytes - seen));
      seen += chunk.length;
      if (body.length === 0) continue;
      hash.update(body);
      if (!feeding.stopped) await member.write(body);
    }
    if (!feeding.stopped) member.end();
  } catch (error) {
    if (error instanceof AsyncClientError) {
      // The body's own bytes are wrong (its gzip header): the content error, after the digest.
      feeding.stopped = true;
      member.output.destroy(error);
    } else {
      member.destroy();
      return { error };
    }
  }
  return { sha256: hash.digest('hex') };
}

export function labelOf(source: PackageSource, options: ContentOptions): string {
  return options.label ?? (typeof source === 'string' ? source : 'package');
}
