import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { packageError } from './errors.js';

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

/**
 * The reader's side: takes raw file chunks, holds back the last bytes (which may be the
 * trailer) and hands out body bytes once they are hashed. `finish` checks the frame.
 */
export class FrameSplitter {
  private readonly digest = new BodyDigest();
  private held: Buffer[] = [];
  private heldBytes = 0;
  private totalBytes = 0;
  private head = EMPTY;
  private static readonly HOLD = MAX_TRAILER_BYTES + FOOTER_BYTES;

  constructor(private readonly where: string) {}

  get fileBytes(): number {
    return this.totalBytes;
  }

  /** Body bytes that can safely be decompressed now, as whole chunks: nothing is copied. */
  push(chunk: Buffer): Buffer[] {
    this.totalBytes += chunk.length;
    if (this.head.length < GZIP_MAGIC.length) this.head = Buffer.concat([this.head, chunk.subarray(0, GZIP_MAGIC.length)]);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    const released: Buffer[] = [];
    for (let first = this.held[0]; first !== undefined && this.heldBytes - first.length >= FrameSplitter.HOLD; first = this.held[0]) {
      this.held.shift();
      this.heldBytes -= first.length;
      this.digest.update(first);
      released.push(first);
    }
    return released;
  }

  /** The bytes held back and not yet released, for reading on to say what a frameless file holds. */
  unreleased(): Buffer {
    return Buffer.concat(this.held, this.heldBytes);
  }

  /** At the end of the file: the last body bytes and the checked trailer, or an integrity error. */
  finish(): { body: Buffer; trailer: Trailer; sha256: string } {
    const where = this.where;
    if (this.totalBytes === 0)
      throw packageError('E_PACKAGE_EMPTY', `${where}: the file is empty; the producer may still be writing it or failed`);
    const tail = Buffer.concat(this.held, this.heldBytes);
    const footer = FOOTER_PATTERN.exec(tail.subarray(Math.max(0, tail.length - FOOTER_BYTES)).toString('latin1'));
    if (footer === null) {
      if (!GZIP_MAGIC.subarray(0, this.head.length).equals(this.head.subarray(0, GZIP_MAGIC.length))) {
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
    const body = tail.subarray(0, trailerStart);
    this.digest.update(body);
    const sha256 = this.digest.hex();
    if (sha256 !== trailer.sha256) {
      throw packageError(
        'E_PACKAGE_CHECKSUM',
        `${where}: SHA-256 of the content is ${sha256} but the trailer says ${trailer.sha256}: the file is damaged or was changed; fetch it again`,
        { expected: trailer.sha256, actual: sha256 },
      );
    }
    return { body, trailer, sha256 };
  }
}

const EMPTY = Buffer.alloc(0);
/** ID1, ID2 and CM (deflate) of RFC 1952. */
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

function parseTrailer(bytes: Buffer, where: string): Trailer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw packageError('E_PACKAGE_CORRUPT', `${where}: the trailer is not JSON`);
  }
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
