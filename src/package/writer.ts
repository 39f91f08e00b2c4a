import { Transform, type TransformOptions, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, type ZlibOptions } from 'node:zlib';
import { drainOrClose } from './drain.js';
import type { EncodedRows } from './encoded-rows.js';
import { packageError } from './errors.js';
import { BodyDigest, encodeTail } from './frame.js';
import { contentLimit, MAX_COMPRESSION_RATIO, MAX_MANIFEST_BYTES } from './limits.js';
import { encodeManifestLine, FORMAT_VERSION, validateManifest } from './manifest.js';
import { signDigest, toPrivateKey, type KeyInput } from './signature.js';
import { SectionTracker } from './section-tracker.js';
import type { PackageManifest, PackageRow } from './types.js';

/** What a producer declares up front: everything but the format version, counts included. */
export type PackageManifestInput = Omit<PackageManifest, 'formatVersion'>;

export interface PackageWriterOptions {
  /** HQ's Ed25519 private key; when given, the trailer carries a signature. */
  readonly signingKey?: KeyInput;
  /** gzip level 1–9; the default, 3, is measured in bench/package.bench.ts as the best speed/size trade. */
  readonly compressionLevel?: number;
}

export interface WrittenPackage {
  readonly manifest: PackageManifest;
  /** Lowercase hex SHA-256 of the compressed body, as in the trailer. */
  readonly sha256: string;
  readonly signed: boolean;
  /** Size of the whole file. */
  readonly fileBytes: number;
}

export interface PackageWriter {
  /**
   * Appends rows of one table. Tables are written in manifest order (a table may be written by
   * several calls; skipping a table means it has no rows). Resolves when the rows are handed to
   * the compressor, waiting on back-pressure. Throws E_PACKAGE_ROW, E_PACKAGE_COUNTS,
   * E_PACKAGE_DUPLICATE_KEY or E_PACKAGE_WRITER; after a throw the writer is aborted.
   */
  writeRows(table: string, rows: Iterable<PackageRow> | AsyncIterable<PackageRow>): Promise<void>;
  /** As writeRows, for upsert rows that come already encoded (EncodedRows says what the writer trusts). */
  writeEncoded(table: string, batches: AsyncIterable<EncodedRows>): Promise<void>;
  /** Checks the declared counts, writes the trailer, ends `destination` and waits until it finished. */
  end(): Promise<WrittenPackage>;
  /** Stops writing and destroys `destination`; the caller removes what it wrote. */
  abort(reason?: Error): void;
}

const FLUSH_CHARS = 128 * 1024;

/**
 * Streams a package into `destination`. Memory stays bounded by the compressor's buffers and
 * one table's key fingerprints (16 bytes per key at most).
 */
export function createPackageWriter(input: PackageManifestInput, destination: Writable, options: PackageWriterOptions = {}): PackageWriter {
  const manifest = validateManifest({ ...input, formatVersion: FORMAT_VERSION }, 'package manifest');
  const signingKey = options.signingKey === undefined ? undefined : toPrivateKey(options.signingKey);
  // Room for a few flushes: the next rows are encoded while the threadpool compresses, instead of waiting for each
  // flush (zlib honours the stream option; its typings do not list it).
  const gzipOptions: ZlibOptions & Pick<TransformOptions, 'writableHighWaterMark'> = {
    level: options.compressionLevel ?? 3,
    chunkSize: 64 * 1024,
    writableHighWaterMark: 1024 * 1024,
  };
  const gzip = createGzip(gzipOptions);
  const digest = new BodyDigest();
  let sha256 = '';
  let fileBytes = 0;
  let bodyBytes = 0;
  let contentBytes = 0;
  const framer = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      digest.update(chunk);
      fileBytes += chunk.length;
      bodyBytes += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      sha256 = digest.hex();
      const signature = signingKey === undefined ? undefined : signDigest(sha256, signingKey);
      const tail = encodeTail(signature === undefined ? { sha256 } : { sha256, signature });
      fileBytes += tail.length;
      callback(null, tail);
    },
  });
  let failure: Error | undefined;
  const done = pipeline(gzip, framer, destination).catch((error: Error) => {
    failure ??= error;
  });
  const sections = new SectionTracker(manifest);
  let pending = encodeManifestLine(manifest);
  if (Buffer.byteLength(pending) - 1 > MAX_MANIFEST_BYTES) {
    throw packageError(
      'E_PACKAGE_LIMIT',
      `package manifest: the manifest line is longer than ${MAX_MANIFEST_BYTES} bytes, which readers refuse`,
    );
  }
  let busy = false;
  let ended = false;

  function fail(error: Error): never {
    failure ??= error;
    gzip.destroy(error);
    destination.destroy(error);
    throw error;
  }

  /** Encodes a row into the pending text; true when it is time to flush. */
  function append(row: PackageRow): boolean {
    pending += `${sections.encode(row)}\n`;
    return pending.length >= FLUSH_CHARS;
  }

  async function flush(): Promise<void> {
    const text = pending;
    pending = '';
    await push(text);
  }

  async function push(content: string | Buffer): Promise<void> {
    contentBytes += Buffer.byteLength(content);
    if (!gzip.write(content)) await drainOrClose(gzip);
    if (failure !== undefined) throw failure;
  }

  async function guarded<T>(what: string, action: () => Promise<T>): Promise<T> {
    if (failure !== undefined) throw failure;
    if (busy || ended) {
      fail(packageError('E_PACKAGE_WRITER', `package writer: ${what} called ${ended ? 'after end()' : 'while another call is running'}`));
    }
    busy = true;
    try {
      return await action();
    } catch (error) {
      return fail(error as Error);
    } finally {
      busy = false;
    }
  }

  return {
    writeRows(tableName, rows) {
      return guarded('writeRows', async () => {
        pending += sections.enter(tableName);
        // A sync iterable is walked without for-await, which would cost a microtask per row.
        if (Symbol.iterator in rows) {
          for (const row of rows) if (append(row)) await flush();
          return;
        }
        for await (const row of rows) if (append(row)) await flush();
      });
    },
    writeEncoded(tableName, batches) {
      return guarded('writeEncoded', async () => {
        pending += sections.enter(tableName);
        for await (const batch of batches) {
          sections.admit(batch);
          if (pending !== '') await flush();
          await push(batch.bytes);
        }
      });
    },
    end() {
      return guarded('end', async () => {
        pending += sections.finish();
        await flush();
        ended = true;
        gzip.end();
        await done;
        if (failure !== undefined) throw failure;
        if (contentBytes > contentLimit(bodyBytes, manifest)) {
          throw packageError(
            'E_PACKAGE_LIMIT',
            `package writer: ${contentBytes} bytes of content compressed to ${bodyBytes}, more than the ${MAX_COMPRESSION_RATIO}:1 readers accept; write at a lower compression level`,
            { contentBytes, bodyBytes },
          );
        }
        return { manifest, sha256, signed: signingKey !== undefined, fileBytes };
      });
    },
    abort(reason) {
      const error = reason ?? packageError('E_PACKAGE_WRITER', 'package writer aborted');
      failure ??= error;
      gzip.destroy(error);
      destination.destroy(error);
    },
  };
}
