import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { HashedFile } from './hashed-file.js';
import type { FolderEntry, WorkingFolder } from '../workfolder/working-folder.js';

/**
 * Copies `entry` into `partial`, hashing it on the way; when `partial` already holds the start
 * of this version (a copy a cut link left short in an earlier run), those bytes are hashed
 * from the local file and only the rest is read from the folder (`openRead` with `resume`,
 * which fails E_FOLDER_CHANGED rather than splice another version onto them).
 */
export async function copyOnFrom(folder: WorkingFolder, entry: FolderEntry, partial: string): Promise<{ checksum: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const held = await stat(partial).then(
    (stats) => stats.size,
    () => 0,
  );
  if (held > 0 && held < entry.size) {
    for await (const chunk of createReadStream(partial, { end: held - 1 }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
  }
  const file = await open(partial, size > 0 ? 'a' : 'w');
  try {
    const source = await folder.openRead(entry.path, size > 0 ? { entry, from: size } : undefined);
    const copy = new HashedFile(file, hash);
    await pipeline(source, copy);
    size += copy.size;
  } finally {
    await file.close();
  }
  return { checksum: hash.digest('hex'), size };
}
