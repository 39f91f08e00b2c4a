import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import { AsyncClientError, errorCode, errorMessage } from '../errors.js';
import { drainOrClose } from './drain.js';
import { ContentParser, type ContentExpectations } from './content-parser.js';
import { packageError } from './errors.js';
import { FrameSplitter, type Trailer } from './frame.js';
import { toPublicKey, verifyDigestSignature, type KeyInput } from './signature.js';
import type { PackageManifest, RowBatch } from './types.js';

/** A package file's path, or a function that opens a fresh stream of its bytes (called once per pass). */
export type PackageSource = string | (() => Readable);

export interface PackageReaderOptions extends ContentExpectations {
  /** HQ's pinned Ed25519 public key: when given, an unsigned or wrongly signed package is refused. */
  readonly publicKey?: KeyInput;
  /** Most rows in one batch (default 64: rows of small batches die young, which keeps the heap small; measured in bench/package.bench.ts). */
  readonly batchRows?: number;
  /** How messages name the package (default: the path, or "package"). */
  readonly label?: string;
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

/** Reads the whole package once and checks everything without holding its rows. */
export async function verifyPackage(source: PackageSource, options: PackageReaderOptions = {}): Promise<VerifiedPackage> {
  const scan = readPackageBatches(source, options);
  for (;;) {
    const next = await scan.next();
    if (next.done === true) return next.value;
  }
}

/** Verifies the package (a full pass), then offers its rows for applying: "verify before write". */
export async function openPackage(source: PackageSource, options: PackageReaderOptions = {}): Promise<OpenedPackage> {
  const verified = await verifyPackage(source, options);
  return {
    ...verified,
    async *batches() {
      const scan = readPackageBatches(source, options);
      for (;;) {
        const next = await scan.next();
        if (next.done === true) {
          if (next.value.sha256 !== verified.sha256) {
            throw packageError(
              'E_PACKAGE_CHECKSUM',
              `${labelOf(source, options)}: the package changed after it was verified; verify it again`,
            );
          }
          return;
        }
        yield next.value;
      }
    },
  };
}

/**
 * One streaming pass that yields rows as it reads and checks everything as it goes; the
 * integrity checks (digest, signature) complete only at the end of the file, so a consumer
 * must be able to discard what it received when the generator throws. Returns the result.
 */
export async function* readPackageBatches(
  source: PackageSource,
  options: PackageReaderOptions = {},
): AsyncGenerator<RowBatch, VerifiedPackage, undefined> {
  const where = labelOf(source, options);
  const publicKey = options.publicKey === undefined ? undefined : toPublicKey(options.publicKey);
  const raw = typeof source === 'string' ? createReadStream(source, { highWaterMark: 64 * 1024 }) : source();
  const splitter = new FrameSplitter(where);
  const gunzip = createGunzip({ chunkSize: 32 * 1024 });
  const parser = new ContentParser(where, options, options.batchRows ?? 64);
  const feeding = { stopped: false };
  const framing = feed(raw, splitter, gunzip, feeding);
  let contentError: unknown;
  try {
    try {
      for await (const chunk of gunzip) {
        parser.push(chunk as Buffer);
        yield* drainBatches(parser);
      }
      parser.end();
      yield* drainBatches(parser);
    } catch (error) {
      // A future major version may frame things differently: say so at once, without reading on.
      if (errorCode(error) === 'E_PACKAGE_VERSION') throw error;
      contentError =
        error instanceof AsyncClientError
          ? error
          : packageError('E_PACKAGE_CORRUPT', `${where}: the body does not decompress: ${errorMessage(error)}`, {}, error);
      feeding.stopped = true;
      gunzip.destroy();
    }
    const frame = await framing;
    if ('error' in frame) {
      const contentCode = errorCode(contentError);
      throw contentCode === 'E_PACKAGE_NOT_A_PACKAGE' && errorCode(frame.error) === 'E_PACKAGE_TRUNCATED' ? contentError : frame.error;
    }
    const signature = checkSignature(frame.trailer, frame.sha256, publicKey, where);
    if (contentError !== undefined) throw contentError;
    return { manifest: parser.manifest as PackageManifest, sha256: frame.sha256, signature, fileBytes: splitter.fileBytes };
  } finally {
    raw.destroy();
    gunzip.destroy();
  }
}

function* drainBatches(parser: ContentParser): Generator<RowBatch> {
  while (parser.batches.length > 0) yield parser.batches.shift() as RowBatch;
}

type FrameOutcome = { trailer: Trailer; sha256: string } | { error: unknown };

/** Moves raw bytes through the frame splitter into the decompressor; never rejects. */
async function feed(raw: Readable, splitter: FrameSplitter, gunzip: Gunzip, feeding: { stopped: boolean }): Promise<FrameOutcome> {
  try {
    for await (const chunk of raw) {
      for (const body of splitter.push(chunk as Buffer)) {
        if (!feeding.stopped && !gunzip.write(body)) await drainOrClose(gunzip);
      }
    }
    const end = splitter.finish();
    if (!feeding.stopped) gunzip.end(end.body);
    return end;
  } catch (error) {
    // Without a frame, the content may still tell a foreign file from a truncated package.
    if (errorCode(error) === 'E_PACKAGE_TRUNCATED' && !feeding.stopped) gunzip.end(splitter.unreleased());
    else gunzip.destroy(error as Error);
    return { error };
  }
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

function labelOf(source: PackageSource, options: PackageReaderOptions): string {
  return options.label ?? (typeof source === 'string' ? source : 'package');
}
