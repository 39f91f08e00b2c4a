import { createHash } from 'node:crypto';
import { versionOf, type FolderEntry, type WorkingFolder } from '../workfolder/working-folder.js';

/**
 * SHA-256 of working-folder files, remembered per name and version (`versionOf`), so that
 * a file the cycle has to look at on every run (a refused duplicate, a Suspended package's
 * file, a leftover after a crash) is read once, not once per run.
 */
export class FileChecksums {
  private readonly known = new Map<string, { readonly version: string; readonly checksum: string }>();

  /** `kept` knows the checksums of copies the staging area keeps, so that those files are never read again. */
  constructor(
    private readonly folder: WorkingFolder,
    private readonly kept: { keptChecksum(entry: FolderEntry): string | undefined },
  ) {}

  /** Whether the file at this version was hashed before by this process. */
  has(entry: FolderEntry): boolean {
    return this.known.get(entry.path)?.version === versionOf(entry);
  }

  async of(entry: FolderEntry): Promise<string> {
    const version = versionOf(entry);
    const cached = this.known.get(entry.path);
    if (cached?.version === version) return cached.checksum;
    const kept = this.kept.keptChecksum(entry);
    if (kept !== undefined) return kept;
    const hash = createHash('sha256');
    for await (const chunk of await this.folder.openRead(entry.path)) hash.update(chunk as Buffer);
    const checksum = hash.digest('hex');
    this.known.set(entry.path, { version, checksum });
    return checksum;
  }

  /** Forgets files no longer listed, so that the memory follows the folder. */
  keepOnly(entries: Iterable<FolderEntry>): void {
    const listed = new Set([...entries].map((entry) => entry.path));
    for (const path of this.known.keys()) if (!listed.has(path)) this.known.delete(path);
  }
}
