import { constants, gunzipSync } from 'node:zlib';
import { errorCode } from '../errors.js';
import { byteChunks, type PackageSource } from './byte-chunks.js';
import { type ContentOptions, labelOf, openHeldContent, readContent } from './content-reader.js';
import { packageError } from './errors.js';
import { type CheckedFrame, FrameSplitter, type Trailer } from './frame.js';
import { MAX_MANIFEST_BYTES } from './limits.js';
import { checkFormatVersion, FORMAT_NAME } from './manifest.js';
import { toPublicKey, verifyDigestSignature, type KeyInput } from './signature.js';
import type { PackageManifest, RowBatch } from './types.js';

export type { PackageSource };

export interface PackageReaderOptions extends ContentOptions {
  /** HQ's pinned Ed25519 public key: when given, an unsigned or wrongly signed package is refused. */
  readonly publicKey?: KeyInput;
}

export interface VerifiedPackage {
  readonly manifest: PackageManifest;
  /** Lowercase hex SHA-256 of the compressed body, as in the trailer. */
  readonly sha256: string;
  /** `verified`: signed and checked against the pinned key; `unverified`: signed, no key given; `absent`: unsigned. */
  readonly signature: 'verified' | 'unverified' | 'absent';
  readonly fileBytes: number;
}

export interface OpenedPackage extends VerifiedPackage {
  /**
   * Reads the package again and yields its rows, table by table in manifest order. Every check
   * runs again, and the digest must equal the verified one; a failure throws before the iterator
   * completes, so apply the batches in one transaction and commit only when it completes.
   */
  batches(): AsyncIterable<RowBatch>;
}

/** Checks the frame (one read, nothing decompressed), then reads the content once and checks everything without holding its rows. */
export async function verifyPackage(source: PackageSource, options: PackageReaderOptions = {}): Promise<VerifiedPackage> {
  return drain(readPackageBatches(source, options));
}

async function drain<T>(scan: AsyncGenerator<RowBatch, T, undefined>): Promise<T> {
  for (;;) {
    const next = await scan.next();
    if (next.done === true) return next.value;
  }
}

/** Verifies the package (frame, then content), then offers its rows for applying: "verify before write". */
export async function openPackage(source: PackageSource, options: PackageReaderOptions = {}): Promise<OpenedPackage> {
  const frame = await checkFrame(source, options);
  const manifest = await drain(readContent(source, frame, options));
  return {
    manifest,
    sha256: frame.sha256,
    signature: frame.signature,
    fileBytes: frame.fileBytes,
    batches: () => readContent(source, frame, options),
  };
}

/**
 * Checks the frame (footer, trailer, digest, signature: one read, nothing decompressed) and
 * reads the manifest line, then offers the rows for applying in one pass that checks the content
 * as it reads: each package is decompressed and parsed once (a file's manifest is read from the
 * start of its stream; a package held in memory is inflated whole once, and its rows read on from
 * its manifest: openHeldContent). A content error (or a file changed since its frame was checked)
 * throws from `batches()` after some batches, so a consumer stages what it receives and discards
 * it on a throw (the channel database's applyPackage does).
 */
export async function openPackageForApply(source: PackageSource, options: PackageReaderOptions = {}): Promise<OpenedPackage> {
  const frame = await checkFrame(source, options);
  const held = openHeldContent(source, frame, options);
  const manifest = held?.manifest ?? (await drain(readContent(source, frame, options, 'manifest')));
  return {
    manifest,
    sha256: frame.sha256,
    signature: frame.signature,
    fileBytes: frame.fileBytes,
    batches: () => held?.rows() ?? readContent(source, frame, options),
  };
}

/**
 * Checks the frame of the file (footer, trailer, digest, signature) reading it once without
 * decompressing a byte; then reads it again, inflating the body in one stream under the limits
 * of docs/package-format.md, and yields its rows as it checks them. Rows come only from a file
 * whose frame is intact, but a content error (or a file changed between the two reads) throws
 * after some batches: a consumer must be able to discard what it received. Returns the result.
 */
export async function* readPackageBatches(
  source: PackageSource,
  options: PackageReaderOptions = {},
): AsyncGenerator<RowBatch, VerifiedPackage, undefined> {
  const frame = await checkFrame(source, options);
  const manifest = yield* readContent(source, frame, options);
  return { manifest, sha256: frame.sha256, signature: frame.signature, fileBytes: frame.fileBytes };
}

interface FrameResult extends CheckedFrame {
  readonly signature: VerifiedPackage['signature'];
  readonly fileBytes: number;
}

/** The first pass: raw bytes only. */
async function checkFrame(source: PackageSource, options: PackageReaderOptions): Promise<FrameResult> {
  const where = labelOf(source, options);
  const publicKey = options.publicKey === undefined ? undefined : toPublicKey(options.publicKey);
  const raw = byteChunks(source);
  const splitter = new FrameSplitter(where);
  try {
    for await (const chunk of raw) splitter.push(chunk);
    let frame: CheckedFrame;
    try {
      frame = splitter.finish();
    } catch (error) {
      if (errorCode(error) === 'E_PACKAGE_TRUNCATED') sniffContent(splitter.head(), where);
      throw error;
    }
    return { ...frame, signature: checkSignature(frame.trailer, frame.sha256, publicKey, where), fileBytes: splitter.fileBytes };
  } finally {
    raw.close();
  }
}

/**
 * A file that starts with gzip but has no end marker is a truncated package, unless its first
 * line says otherwise: another format altogether, or a major version that frames its files in
 * another way. Decompresses at most the first 64 KiB of the file into at most one manifest line.
 */
function sniffContent(head: Buffer, where: string): void {
  let firstLine: string | undefined;
  try {
    const content = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: MAX_MANIFEST_BYTES + 1 });
    const end = content.indexOf(0x0a);
    firstLine = end < 0 ? undefined : content.subarray(0, end).toString('utf8');
  } catch {
    return;
  }
  if (firstLine === undefined) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(firstLine);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { format?: unknown }).format !== FORMAT_NAME) {
    throw packageError('E_PACKAGE_NOT_A_PACKAGE', `${where}: not an async-client package: the first line is not a manifest of this format`);
  }
  checkFormatVersion((parsed as { formatVersion?: unknown }).formatVersion, where);
}

function checkSignature(
  trailer: Trailer,
  sha256: string,
  publicKey: ReturnType<typeof toPublicKey> | undefined,
  where: string,
): VerifiedPackage['signature'] {
  if (publicKey === undefined) return trailer.signature === undefined ? 'absent' : 'unverified';
  if (trailer.signature === undefined) {
    throw packageError(
      'E_PACKAGE_SIGNATURE',
      `${where}: the package is not signed but a public key is pinned; ask HQ to sign it with its key`,
    );
  }
  if (!verifyDigestSignature(sha256, trailer.signature, publicKey)) {
    throw packageError(
      'E_PACKAGE_SIGNATURE',
      `${where}: the signature does not match the pinned public key: the package was signed with another key or changed`,
    );
  }
  return 'verified';
}
