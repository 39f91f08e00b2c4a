import { isUtf8 } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { packageError } from './errors.js';
import { jsonStructureProblem } from './json-text.js';
import { MAX_JSON_DEPTH } from './limits.js';

/**
 * The frame around the compressed body: `body ‖ trailer JSON ‖ footer`. The footer is fixed
 * size and last, so a reader finds the trailer from the end; the trailer carries the SHA-256
 * of the body bytes (and the signature), and the footer a CRC-32 of the trailer, so a change
 * to any byte of the file is detected. See "Frame" in docs/package-format.md.
 */
export interface Trailer {
  /** Lowercase hex SHA-256 of the body bytes. */
  readonly sha256: string;
  /** Base64 Ed25519 signature of `signedMessage(sha256)`, when the producer signed. */
  readonly signature?: string;
}

const FOOTER_MAGIC = 'ACPKGEND';
/** `\n` + 8 hex (trailer length) + space + 8 hex (CRC-32 of trailer) + space + magic + `\n`. */
export const FOOTER_BYTES = 1 + 8 + 1 + 8 + 1 + FOOTER_MAGIC.length + 1;
const FOOTER_PATTERN = /^\n([0-9a-f]{8}) ([0-9a-f]{8}) ACPKGEND\n$/;
const MAX_TRAILER_BYTES = 4096;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** 64 bytes of Ed25519 signature: 85 characters, one carrying 2 bits, then `==`. */
const SIGNATURE_BASE64 = /^[A-Za-z0-9+/]{85}[AQgw]==$/;

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

export function encodeTail(trailer: Trailer): Buffer {
  const json = Buffer.from(JSON.stringify(trailer), 'utf8');
  const footer = `\n${hex8(json.length)} ${hex8(crc32(json))} ${FOOTER_MAGIC}\n`;
  return Buffer.concat([json, Buffer.from(footer, 'latin1')]);
}

/** Hashes what goes through, for the writer's side of the frame. */
export class BodyDigest {
  private readonly hash: Hash = createHash('sha256');

  update(chunk: Buffer): void {
    this.hash.update(chunk);
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}

/** What the frame says about a file whose frame is intact. */
export interface CheckedFrame {
  readonly trailer: Trailer;
  readonly sha256: string;
  /** Length of the body: the gzip member before the trailer. */
  readonly bodyBytes: number;
}

/**
 * The reader's side: takes the raw file chunks, hashes what can no longer be the trailer, and
 * holds back a copy of the last bytes (which may be it), so that the caller may reuse a chunk's
 * memory once `push` returns. `finish` checks footer, trailer and digest. No byte is
 * decompressed: a damaged file costs one read.
 */
export class FrameSplitter {
  private readonly digest = new BodyDigest();
  private static readonly HOLD = MAX_TRAILER_BYTES + FOOTER_BYTES;
  /** The last bytes seen, up to HOLD of them. */
  private readonly held = Buffer.alloc(FrameSplitter.HOLD);
  private heldBytes = 0;
  private totalBytes = 0;
  private readonly headChunks: Buffer[] = [];
  private headBytes = 0;

  constructor(private readonly where: string) {}

  get fileBytes(): number {
    return this.totalBytes;
  }

  push(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    if (this.headBytes < HEAD_BYTES) {
      const copy = Buffer.from(chunk.subarray(0, HEAD_BYTES - this.headBytes));
      this.headChunks.push(copy);
      this.headBytes += copy.length;
    }
    const hold = FrameSplitter.HOLD;
    // Bytes that the chunk pushes out of the last HOLD: first those held, then the chunk's own.
    const out = Math.max(0, this.heldBytes + chunk.length - hold);
    const outOfHeld = Math.min(out, this.heldBytes);
    if (outOfHeld > 0) {
      this.digest.update(this.held.subarray(0, outOfHeld));
      this.held.copyWithin(0, outOfHeld, this.heldBytes);
      this.heldBytes -= outOfHeld;
    }
    const outOfChunk = out - outOfHeld;
    if (outOfChunk > 0) this.digest.update(chunk.subarray(0, outOfChunk));
    this.heldBytes += chunk.copy(this.held, this.heldBytes, outOfChunk);
  }

  /** The file's first bytes (up to 64 KiB), to tell what a file without a frame holds. */
  head(): Buffer {
    return Buffer.concat(this.headChunks, this.headBytes);
  }

  /** At the end of the file: the checked trailer and the body's digest and length, or an integrity error. */
  finish(): CheckedFrame {
    const where = this.where;
    if (this.totalBytes === 0)
      throw packageError('E_PACKAGE_EMPTY', `${where}: the file is empty; the producer may still be writing it or failed`);
    const tail = this.held.subarray(0, this.heldBytes);
    const footer = FOOTER_PATTERN.exec(tail.subarray(Math.max(0, tail.length - FOOTER_BYTES)).toString('latin1'));
    if (footer === null) {
      const head = this.head();
      if (!GZIP_MAGIC.subarray(0, head.length).equals(head.subarray(0, GZIP_MAGIC.length))) {
        throw packageError(
          'E_PACKAGE_NOT_A_PACKAGE',
          `${where}: not an async-client package: it neither starts with gzip nor ends with the package end marker`,
        );
      }
      throw packageError(
        'E_PACKAGE_TRUNCATED',
        `${where}: the end marker is missing: the file is truncated, has bytes appended, or is not a package; fetch it again from the producer`,
        { fileBytes: this.totalBytes },
      );
    }
    const trailerBytes = Number.parseInt(footer[1] as string, 16);
    if (trailerBytes > MAX_TRAILER_BYTES || trailerBytes + FOOTER_BYTES > tail.length) {
      throw packageError('E_PACKAGE_CORRUPT', `${where}: the footer names a trailer of ${trailerBytes} bytes, which the file cannot hold`);
    }
    const trailerStart = tail.length - FOOTER_BYTES - trailerBytes;
    const trailerJson = tail.subarray(trailerStart, tail.length - FOOTER_BYTES);
    if (hex8(crc32(trailerJson)) !== footer[2]) {
      throw packageError('E_PACKAGE_CORRUPT', `${where}: the trailer does not match its CRC-32: the file is damaged; fetch it again`);
    }
    const trailer = parseTrailer(trailerJson, where);
    this.digest.update(tail.subarray(0, trailerStart));
    const sha256 = this.digest.hex();
    if (sha256 !== trailer.sha256) {
      throw packageError(
        'E_PACKAGE_CHECKSUM',
        `${where}: SHA-256 of the content is ${sha256} but the trailer says ${trailer.sha256}: the file is damaged or was changed; fetch it again`,
        { expected: trailer.sha256, actual: sha256 },
      );
    }
    return { trailer, sha256, bodyBytes: this.totalBytes - FOOTER_BYTES - trailerBytes };
  }
}

/** How much of a file's start is kept to say what a file without a frame holds. */
const HEAD_BYTES = 64 * 1024;
/** ID1, ID2 and CM (deflate) of RFC 1952. */
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

function parseTrailer(bytes: Buffer, where: string): Trailer {
  if (!isUtf8(bytes)) throw packageError('E_PACKAGE_ENCODING', `${where}: the trailer is not valid UTF-8`);
  const text = bytes.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw packageError('E_PACKAGE_CORRUPT', `${where}: the trailer is not JSON`);
  }
  const problem = jsonStructureProblem(text, MAX_JSON_DEPTH);
  if (problem !== undefined) throw packageError('E_PACKAGE_CORRUPT', `${where}: the trailer is not plain JSON: ${problem}`);
  const { sha256, signature } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) {
    throw packageError('E_PACKAGE_CORRUPT', `${where}: the trailer has no valid sha256`);
  }
  if (signature === undefined) return { sha256 };
  if (typeof signature !== 'string' || !SIGNATURE_BASE64.test(signature)) {
    throw packageError('E_PACKAGE_CORRUPT', `${where}: the trailer's signature is not a base64 Ed25519 signature`);
  }
  return { sha256, signature };
}
