import { parsePackageFileName } from '../package/index.js';
import type { FolderEntry, WorkingFolder } from '../workfolder/working-folder.js';

/** This channel's complete download package files, by sequence. */
export type DownloadListing = ReadonlyMap<number, FolderEntry>;

/**
 * Lists the download area once per run. Only complete package names of this channel and of
 * direction `download` count; anything else (temporary names, other channels' or upload
 * packages, stray files) is ignored, as docs/working-folder.md promises HQ.
 */
export async function listDownloadPackages(folder: WorkingFolder, downloadArea: string, channelId: string): Promise<DownloadListing> {
  const packages = new Map<number, FolderEntry>();
  for (const entry of await folder.list(downloadArea)) {
    const name = parsePackageFileName(entry.name);
    if (name?.channelId === channelId && name.direction === 'download') packages.set(name.sequence, entry);
  }
  return packages;
}

/** Sequences in the listing above `sequence`, ascending. */
export function sequencesAfter(listing: DownloadListing, sequence: number): number[] {
  return [...listing.keys()].filter((s) => s > sequence).sort((a, b) => a - b);
}
