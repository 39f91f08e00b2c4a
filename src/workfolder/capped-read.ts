import type { WorkingFolder } from './working-folder.js';

/**
 * The whole of a small file (a report, a heartbeat, a published profile), or the error
 * `tooLarge` makes once more than `limitBytes` came: a file that large is not what the caller
 * reads, and is never held in memory whole. Folder errors pass through.
 */
export async function readCappedFile(folder: WorkingFolder, path: string, limitBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const stream = await folder.openRead(path);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      stream.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * As `readCappedFile`, in one request where the adapter can (`WorkingFolder.readWhole`): for
 * HQ reading thousands of stores' small reports, which never need a download's resuming.
 */
export async function readSmallFile(folder: WorkingFolder, path: string, limitBytes: number, tooLarge: () => Error): Promise<Buffer> {
  if (folder.readWhole === undefined) return readCappedFile(folder, path, limitBytes, tooLarge);
  const bytes = await folder.readWhole(path, limitBytes);
  if (bytes === undefined) throw tooLarge();
  return bytes;
}
