import type { Direction, PackageManifest } from './types.js';

/** Extension of a complete package file. */
export const PACKAGE_EXTENSION = '.acpkg';

/** Channel ids are used in file names, so they are restricted to characters safe on every file system. */
export const CHANNEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export const MAX_SEQUENCE = 999_999_999_999;

export interface PackageFileName {
  readonly channelId: string;
  readonly direction: Direction;
  readonly sequence: number;
}

const FILE_NAME_PATTERN = /^([A-Za-z0-9][A-Za-z0-9_-]{0,63})_(download|upload)_(\d{12})\.acpkg$/;

/**
 * `<channelId>_<direction>_<sequence, 12 digits>.acpkg`: names of one channel and direction
 * sort in apply order, and a temporary name (`.x.tmp-…`, `x.partial`) never matches.
 */
export function packageFileName(manifest: Pick<PackageManifest, 'channelId' | 'direction' | 'sequence'>): string {
  const { channelId, direction, sequence } = manifest;
  if (!CHANNEL_ID_PATTERN.test(channelId)) throw new RangeError(`not a valid channel id: ${JSON.stringify(channelId)}`);
  if (!Number.isSafeInteger(sequence) || sequence < 1 || sequence > MAX_SEQUENCE) {
    throw new RangeError(`sequence must be an integer from 1 to ${MAX_SEQUENCE}, got ${sequence}`);
  }
  return `${channelId}_${direction}_${String(sequence).padStart(12, '0')}${PACKAGE_EXTENSION}`;
}

/** The parts of a complete package file name, or undefined for anything else (temp names, paths, junk). */
export function parsePackageFileName(name: string): PackageFileName | undefined {
  const match = FILE_NAME_PATTERN.exec(name);
  if (match === null) return undefined;
  const sequence = Number(match[3]);
  if (sequence < 1) return undefined;
  return { channelId: match[1] as string, direction: match[2] as Direction, sequence };
}
