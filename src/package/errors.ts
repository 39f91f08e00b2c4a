import { AsyncClientError } from '../errors.js';

/** Every code a package reader or writer can fail with; docs/package-format.md lists what each means. */
export type PackageErrorCode =
  | 'E_PACKAGE_EMPTY'
  | 'E_PACKAGE_NOT_A_PACKAGE'
  | 'E_PACKAGE_TRUNCATED'
  | 'E_PACKAGE_CORRUPT'
  | 'E_PACKAGE_ENCODING'
  | 'E_PACKAGE_LIMIT'
  | 'E_PACKAGE_CHECKSUM'
  | 'E_PACKAGE_VERSION'
  | 'E_PACKAGE_SIGNATURE'
  | 'E_PACKAGE_MANIFEST'
  | 'E_PACKAGE_NAME'
  | 'E_PACKAGE_CHANNEL'
  | 'E_PACKAGE_COUNTS'
  | 'E_PACKAGE_ROW'
  | 'E_PACKAGE_DUPLICATE_KEY'
  | 'E_PACKAGE_WRITER';

export function packageError(
  code: PackageErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): AsyncClientError {
  return new AsyncClientError(code, message, details, cause === undefined ? undefined : { cause });
}
