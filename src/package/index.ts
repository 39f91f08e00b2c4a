/** The package library: the format of docs/package-format.md, streamed both ways. */
export * from './types.js';
export type { EncodedRows } from './encoded-rows.js';
export type { PackedValueTarget, ScannedRow, UpsertTaker } from './upsert-taker.js';
export { joinKeyParts } from './table-codec.js';
export type { PackageErrorCode } from './errors.js';
export { packageFileName, parsePackageFileName, PACKAGE_EXTENSION, type PackageFileName } from './file-name.js';
export { FileDigest } from './file-digest.js';
export { FORMAT_NAME, FORMAT_VERSION, IDENTIFIER_PATTERN } from './manifest.js';
export {
  generateSigningKeyPair,
  signDigest,
  toPrivateKey,
  toPublicKey,
  verifyDigestSignature,
  type KeyInput,
  type SignatureDomain,
} from './signature.js';
export {
  createPackageWriter,
  type PackageManifestInput,
  type PackageWriter,
  type PackageWriterOptions,
  type WrittenPackage,
} from './writer.js';
export {
  openPackage,
  openPackageForApply,
  readPackageBatches,
  verifyPackage,
  type OpenedPackage,
  type PackageReaderOptions,
  type PackageSource,
  type VerifiedPackage,
} from './reader.js';
