import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { crc32Combine } from './crc32-combine.js';
import { packageError } from './errors.js';
import { BodyDigest, encodeTail } from './frame.js';
import { encodeManifestLine, FORMAT_VERSION, validateManifest } from './manifest.js';
import { signDigest, toPrivateKey, type KeyInput } from './signature.js';
import type { SpooledBody } from './spooled-body.js';
import type { WrittenPackage, PackageManifestInput } from './writer.js';

/** RFC 1952 member header as node:zlib writes it: deflate, no flags, MTIME 0, XFL by level, OS Unix. */
function gzipHeader(level: number): Buffer {
  return Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, level === 1 ? 4 : level === 9 ? 2 : 0, 0x03]);
}
const READ_CHUNK_BYTES = 1024 * 1024;

export interface AssembledPackage {
  /** The whole package file, streamed: read it once. */
  readonly content: Readable;
  /** What was written; available once `content` has ended. */
  result(): WrittenPackage;
}

/**
 * One package from a manifest and a spooled body, with the frame of docs/package-format.md.
 * The body stays a single gzip member: the manifest line is compressed on its own and
 * sync-flushed (byte-aligned, not final), the spooled deflate stream follows unchanged, and the
 * gzip trailer's CRC-32 is combined from both parts. Only the manifest is compressed per
 * package; the digest and signature are taken over each package's own bytes.
 */
export function assemblePackage(input: PackageManifestInput, body: SpooledBody, signingKey?: KeyInput): AssembledPackage {
  const manifest = validateManifest({ ...input, formatVersion: FORMAT_VERSION }, 'package manifest');
  const key = signingKey === undefined ? undefined : toPrivateKey(signingKey);
  const line = Buffer.from(encodeManifestLine(manifest), 'utf8');
  const head = deflateRawSync(line, { level: body.level, finishFlush: constants.Z_SYNC_FLUSH });
  const gzipTrailer = Buffer.alloc(8);
  gzipTrailer.writeUInt32LE(crc32Combine(crc32(line), body.crc32, body.length), 0);
  gzipTrailer.writeUInt32LE((line.length + body.length) % 2 ** 32, 4);
  let written: WrittenPackage | undefined;

  async function* bytes(): AsyncGenerator<Buffer> {
    const digest = new BodyDigest();
    let size = 0;
    const counted = (chunk: Buffer): Buffer => {
      digest.update(chunk);
      size += chunk.length;
      return chunk;
    };
    yield counted(gzipHeader(body.level));
    yield counted(head);
    for await (const chunk of createReadStream(body.path, { highWaterMark: READ_CHUNK_BYTES })) yield counted(chunk as Buffer);
    yield counted(gzipTrailer);
    const sha256 = digest.hex();
    const tail = encodeTail(key === undefined ? { sha256 } : { sha256, signature: signDigest(sha256, key) });
    written = { manifest, sha256, signed: key !== undefined, fileBytes: size + tail.length };
    yield tail;
  }

  return {
    content: Readable.from(bytes(), { objectMode: false }),
    result() {
      if (written === undefined) throw packageError('E_PACKAGE_WRITER', 'package assembly: result() asked before the content was read');
      return written;
    },
  };
}
