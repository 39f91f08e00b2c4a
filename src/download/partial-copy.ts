import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { YoungGarbage } from '../workfolder/streams.js';
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
  const source = await folder.openRead(entry.path, size > 0 ? { entry, from: size } : undefined);
  // A Transform, not an async generator: a 500 MB package is some 32,000 chunks, and each
  // generator step costs promise turns that showed in the GET's profile.
  const garbage = new YoungGarbage();
  const hashed = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      garbage.add(chunk.length);
      done(null, chunk);
    },
  });
  // 1 MiB buffered: the chunks that come while a write is on the disk go in one writev, not one each.
  await pipeline(source, hashed, createWriteStream(partial, { flags: size > 0 ? 'a' : 'w', highWaterMark: 1024 * 1024 }));
  return { checksum: hash.digest('hex'), size };
}
