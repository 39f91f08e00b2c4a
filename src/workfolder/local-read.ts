import { type FileHandle, open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { AsyncClientError } from '../errors.js';
import type { LocalRoot } from './local-root.js';
import { folderPath, type FolderPath, joinFolderPath } from './paths.js';
import { relayWithFolderErrors } from './streams.js';
import { FolderErrorCode, type ReadResume, versionOf } from './working-folder.js';

const READ_CHUNK_BYTES = 64 * 1024;

/** `WorkingFolder.openRead` of the local adapter: the file's bytes from `resume.from`, refused when it changed since listed. */
export async function openLocalRead(at: LocalRoot, file: string, resume?: ReadResume): Promise<Readable> {
  const segments = folderPath(file, 'file');
  const { handle } = await openFile(at, segments, (size, modifiedAt) =>
    resume !== undefined && versionOf(resume.entry) !== versionOf({ ...resume.entry, size, modifiedAt })
      ? { code: FolderErrorCode.changed, why: 'it changed since it was listed; read it again from the start' }
      : undefined,
  );
  return relayWithFolderErrors(handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES, start: resume?.from ?? 0 }), (error) =>
    at.error(error, 'read', segments),
  );
}

/**
 * `WorkingFolder.readWhole` of the local adapter: one read of the size the file has, without a
 * stream, or undefined when it holds more than `limitBytes` (or grew past its size while read).
 */
export async function readLocalWhole(at: LocalRoot, file: string, limitBytes: number): Promise<Buffer | undefined> {
  const segments = folderPath(file, 'file');
  const { handle, size } = await openFile(at, segments, () => undefined);
  try {
    if (size > limitBytes) return undefined;
    // One byte more than the size: a file that grew while read is not taken for whole.
    const buffer = Buffer.allocUnsafe(size + 1);
    const { bytesRead } = await handle.read(buffer, 0, size + 1, 0);
    return bytesRead > size ? undefined : buffer.subarray(0, bytesRead);
  } catch (error) {
    throw at.error(error, 'read', segments);
  } finally {
    await handle.close();
  }
}

const NOT_A_FILE: { code: string; why: string } = { code: FolderErrorCode.path, why: 'it is not a file' };

/** Opens a regular file of the folder; `problem` may refuse it by its size and time (closing it). */
async function openFile(
  at: LocalRoot,
  segments: FolderPath,
  problem: (size: number, modifiedAt: Date) => { code: string; why: string } | undefined,
): Promise<{ handle: FileHandle; size: number }> {
  const handle = await open(await at.resolve(segments, 'read'), 'r').catch((error: unknown) => {
    throw at.error(error, 'read', segments);
  });
  const stats = await handle.stat().catch(() => undefined);
  const refusal = stats?.isFile() === true ? problem(stats.size, stats.mtime) : NOT_A_FILE;
  if (stats !== undefined && refusal === undefined) return { handle, size: stats.size };
  await handle.close();
  throw unreadable(at, segments, refusal ?? NOT_A_FILE);
}

/** A file of the folder that is not read: not a regular file, or (`code`) another reason. */
export function unreadable(at: LocalRoot, segments: FolderPath, { code, why } = NOT_A_FILE): AsyncClientError {
  const where = joinFolderPath(segments);
  return new AsyncClientError(code, `Cannot read "${where}" in working folder ${at.root}: ${why}.`, { path: where, root: at.root });
}
