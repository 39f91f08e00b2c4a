import type { PackageManifest } from './types.js';

/**
 * The reader's hard limits (docs/package-format.md, "Limits"). Each one bounds what a package
 * can make the reader do: memory, time, or both, whatever the package declares.
 */

/** Longest content line in bytes, LF excluded: one row is read whole, so this bounds the memory a row takes. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;
/** Longest manifest line in bytes, LF excluded. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Most bytes of content per byte of the compressed body. */
export const MAX_COMPRESSION_RATIO = 256;
/** Content any body may decompress to, whatever its ratio: small packages compress badly. */
export const MIN_CONTENT_ALLOWANCE = 1024 * 1024;
/** Deepest nesting of arrays and objects in a manifest, section, delete line or trailer. */
export const MAX_JSON_DEPTH = 16;
/** Longest gzip header (with FEXTRA, FNAME, FCOMMENT), in bytes. */
export const MAX_GZIP_HEADER_BYTES = 64 * 1024;

/**
 * Most content bytes the body may decompress to: the ratio to the compressed size, and once the
 * manifest is known, what its declared lines can hold at most (each line no longer than the limit).
 */
export function contentLimit(bodyBytes: number, manifest?: PackageManifest): number {
  const byRatio = Math.max(MIN_CONTENT_ALLOWANCE, MAX_COMPRESSION_RATIO * bodyBytes);
  if (manifest === undefined) return byRatio;
  let declaredLines = 1;
  for (const table of manifest.tables) declaredLines += 1 + table.upsertCount + table.deleteCount;
  return Math.min(byRatio, MAX_MANIFEST_BYTES + 1 + declaredLines * (MAX_LINE_BYTES + 1));
}
