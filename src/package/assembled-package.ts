import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
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
const READ_CHUNK_BYTES = 64 * 1024;

export interface AssembledPackage {
  /** The whole package file as a stream, for a working-folder adapter: read it once. */
  readonly content: Readable;
  /**
   * Hands the whole package file to `write` instead, chunk by chunk; `write` must be done with a
   * chunk when its promise resolves, since one buffer is read into again: no chunk is left as
   * garbage for the collector, which keeps the writer's memory flat.
   */
  writeTo(write: (chunk: Buffer) => Promise<void>): Promise<WrittenPackage>;
  /** What was written; available once the content has ended. */
  result(): WrittenPackage;
}

/** The spool's bytes read again and again into one buffer: each chunk is valid until the next is asked for. */
async function* reusedChunks(path: string): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
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

  async function* bytes(spool: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const digest = new BodyDigest();
    let size = 0;
    const counted = (chunk: Buffer): Buffer => {
      digest.update(chunk);
      size += chunk.length;
      return chunk;
    };
    yield counted(gzipHeader(body.level));
    yield counted(head);
    for await (const chunk of spool) yield counted(chunk);
    yield counted(gzipTrailer);
    const sha256 = digest.hex();
    const tail = encodeTail(key === undefined ? { sha256 } : { sha256, signature: signDigest(sha256, key) });
    written = { manifest, sha256, signed: key !== undefined, fileBytes: size + tail.length };
    yield tail;
  }

  const assembled: AssembledPackage = {
    get content() {
      return Readable.from(bytes(createReadStream(body.path, { highWaterMark: READ_CHUNK_BYTES })), { objectMode: false });
    },
    async writeTo(write) {
      for await (const chunk of bytes(reusedChunks(body.path))) await write(chunk);
      return assembled.result();
    },
    result() {
      if (written === undefined) throw packageError('E_PACKAGE_WRITER', 'package assembly: result() asked before the content was read');
      return written;
    },
  };
  return assembled;
}
