import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';

/**
 * A file written under a temporary name beside its final path and renamed into place only when
 * complete, so the final path never holds anything but a whole file.
 */
export class AtomicFile {
  readonly stream: WriteStream;
  private readonly tempPath: string;

  constructor(
    readonly path: string,
    mode = 0o644,
  ) {
    this.tempPath = join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
    this.stream = createWriteStream(this.tempPath, { mode, flags: 'wx' });
  }

  /** Ends the stream if still open, syncs the data to disk and renames the file into place. */
  async commit(): Promise<void> {
    if (!this.stream.writableEnded) this.stream.end();
    await finished(this.stream);
    const handle = await open(this.tempPath, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.tempPath, this.path);
  }

  /** Throws the file away; safe to call after a failure of any kind. */
  async discard(): Promise<void> {
    this.stream.destroy();
    await finished(this.stream).catch(() => undefined);
    await rm(this.tempPath, { force: true });
  }
}

/** Writes `data` to `path` atomically. */
export async function writeFileAtomically(path: string, data: string, mode = 0o644): Promise<void> {
  const file = new AtomicFile(path, mode);
  try {
    file.stream.end(data);
    await file.commit();
  } catch (error) {
    await file.discard();
    throw error;
  }
}
