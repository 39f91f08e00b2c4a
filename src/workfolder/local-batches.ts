import { rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { AsyncClientError, errorCode } from '../errors.js';
import type { FileCall, FileCallResult, FileWorker } from './file-worker.js';
import { syncedEach, writeInPlace } from './local-durable.js';
import { readLocalWhole, unreadable } from './local-read.js';
import { unreachableRoot } from './local-errors.js';
import type { LocalRoot } from './local-root.js';
import { folderPath, joinFolderPath, parentOf, temporarySibling, type FolderPath } from './paths.js';
import { FolderErrorCode, type FileMove, type FileToWrite } from './working-folder.js';

type Settled = PromiseSettledResult<void>;

/**
 * Fewest files a batch gives the worker: a single package's report and move (after a large
 * apply, say) are made here, and start no thread.
 */
const WORKER_BATCH_FILES = 2;
type FailedCall = Extract<FileCallResult, { ok: false; error: Error }>;

/**
 * The local adapter's batches (`writeAtomicEach`, `moveEach`) and whole reads (`readWhole`):
 * each folder's path is checked once per batch on the main thread, and the calls themselves are
 * made on the file worker, a batch per message (file-worker.ts). When the worker is not
 * available (it failed, or the folder was closed), the same calls are made here, asynchronously.
 */
export class LocalBatches {
  constructor(
    private readonly at: LocalRoot,
    /** Makes the batches' durable writes and moves. */
    private readonly worker: FileWorker,
    /** Reads, on a thread of their own: behind a batch's fsyncs they would wait tens of milliseconds. */
    private readonly reader: FileWorker,
  ) {}

  /** Each file written as `writeAtomic` does; each folder written to is synced once, after all. */
  async writeEach(files: readonly FileToWrite[]): Promise<Settled[]> {
    const place = this.placeInFolders(await this.at.realRoot(), 'write');
    return this.onWorker(
      files,
      async ({ path: file, content }) => {
        const segments = folderPath(file, 'file');
        return { segments, content, absolute: await place(segments) };
      },
      ({ segments, absolute, content }) => ({
        kind: 'write',
        path: absolute,
        temporary: path.join(path.dirname(absolute), ...temporarySibling(segments).slice(-1)),
        content,
      }),
      ({ segments }, { error, syncing }) => this.at.error(error, 'write', syncing === true ? [] : segments),
      (placed) =>
        syncedEach(
          placed,
          async ({ segments, absolute, content }) => {
            await writeInPlace(absolute, temporarySibling(segments), content).catch((error: unknown) => {
              throw this.at.error(error, 'write', segments);
            });
            return [path.dirname(absolute)];
          },
          (error) => this.at.error(error, 'write', []),
        ),
    );
  }

  /** Each file moved as `move` does; each folder a file left or entered is synced once, after all. */
  async moveEach(moves: readonly FileMove[]): Promise<Settled[]> {
    const root = await this.at.realRoot();
    const take = this.placeInFolders(root, 'move');
    const place = this.placeInFolders(root, 'move into');
    return this.onWorker(
      moves,
      async ({ from, to }) => {
        const source = folderPath(from, 'file');
        const target = folderPath(to, 'file');
        return { source, target, sourceAbsolute: await take(source), targetAbsolute: await place(target) };
      },
      ({ sourceAbsolute, targetAbsolute }) => ({ kind: 'rename', from: sourceAbsolute, to: targetAbsolute }),
      (move, { error, syncing }) => (syncing === true ? this.at.error(error, 'move', []) : renameFailure(this.at, error, move)),
      (placed) =>
        syncedEach(
          placed,
          async (move) => {
            await renameInFolder(this.at, move);
            return [path.dirname(move.sourceAbsolute), path.dirname(move.targetAbsolute)];
          },
          (error) => this.at.error(error, 'move', []),
        ),
    );
  }

  /** `WorkingFolder.readWhole`: the path checked, the file opened, measured, read and closed by the worker, with the same errors as here. */
  async readWhole(file: string, limitBytes: number): Promise<Buffer | undefined> {
    if (!this.reader.available) return readLocalWhole(this.at, file, limitBytes);
    const segments = folderPath(file, 'file');
    let result: FileCallResult | undefined;
    try {
      [result] = await this.reader.run(
        [{ kind: 'read', root: this.at.root, mountPoint: this.at.mountPoint, segments, limit: limitBytes }],
        { syncFolders: false, localDisk: await this.at.onLocalDisk() },
      );
    } catch {
      return readLocalWhole(this.at, file, limitBytes);
    }
    if (result === undefined) throw unreadable(this.at, segments);
    if (result.ok) return result.bytes == null ? undefined : Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.length);
    if ('notAFile' in result) throw unreadable(this.at, segments);
    if ('outside' in result) throw this.at.outside(segments, 'read', result.outside);
    throw result.atRoot === true ? unreachableRoot(this.at.root, result.error) : this.at.error(result.error, 'read', segments);
  }

  /**
   * Places every item (its paths checked), makes the calls of those placed on the worker and
   * settles each item from its call; when the worker is not available, `here` makes them.
   */
  private async onWorker<Item, Placed>(
    items: readonly Item[],
    placeItem: (item: Item) => Promise<Placed>,
    toCall: (placed: Placed) => FileCall,
    failure: (placed: Placed, result: FailedCall) => Promise<Error> | Error,
    here: (placed: readonly Placed[]) => Promise<Settled[]>,
  ): Promise<Settled[]> {
    const placed = await Promise.all(
      items.map((item) =>
        placeItem(item).then(
          (value) => ({ value }),
          (reason: unknown) => ({ reason }),
        ),
      ),
    );
    const ready = placed.flatMap((item) => ('value' in item ? [item.value] : []));
    let results: readonly (Settled | Promise<Settled>)[] | undefined;
    if (this.worker.available && ready.length >= WORKER_BATCH_FILES) {
      const made = await this.worker
        .run(ready.map(toCall), { syncFolders: true, localDisk: await this.at.onLocalDisk() })
        .catch(() => undefined);
      results = made && ready.map((item, i) => settleCall(item, made[i], failure));
    }
    results ??= await here(ready);
    let next = 0;
    return Promise.all(
      placed.map((item): Settled | Promise<Settled> =>
        'value' in item ? (results[next++] as Settled) : { status: 'rejected', reason: item.reason },
      ),
    );
  }

  /**
   * For a batch: the absolute path of a file whose folder was checked once per batch (`resolve`);
   * the file itself is renamed, or replaced by a rename, which never follows a link at its name.
   */
  private placeInFolders(root: string, action: string): (file: FolderPath) => Promise<string> {
    const folders = new Map<string, Promise<string>>();
    return async (file) => {
      const parent = parentOf(file);
      let folder = folders.get(joinFolderPath(parent));
      if (folder === undefined) {
        folder = this.at.resolve(parent, action, root);
        folders.set(joinFolderPath(parent), folder);
      }
      return path.join(await folder, ...file.slice(-1));
    };
  }
}

async function settleCall<Placed>(
  placed: Placed,
  result: FileCallResult | undefined,
  failure: (placed: Placed, result: FailedCall) => Promise<Error> | Error,
): Promise<Settled> {
  if (result?.ok === true) return { status: 'fulfilled', value: undefined };
  if (result === undefined || !('error' in result)) return { status: 'rejected', reason: new Error('the file worker gave no answer') };
  return { status: 'rejected', reason: await failure(placed, result) };
}

/** A file's move inside the folder, its paths checked. */
export interface PlacedMove {
  readonly source: FolderPath;
  readonly target: FolderPath;
  readonly sourceAbsolute: string;
  readonly targetAbsolute: string;
}

/** Renames a file of the folder, replacing the target; the error says which side was missing. */
export async function renameInFolder(at: LocalRoot, move: PlacedMove): Promise<void> {
  try {
    await rename(move.sourceAbsolute, move.targetAbsolute);
  } catch (error) {
    throw await renameFailure(at, error, move);
  }
}

async function renameFailure(at: LocalRoot, error: unknown, move: PlacedMove): Promise<AsyncClientError> {
  const from = joinFolderPath(move.source);
  const to = joinFolderPath(move.target);
  const sourceThere = await stat(move.sourceAbsolute).then(
    (stats) => stats.isFile(),
    () => false,
  );
  if (errorCode(error) === 'ENOENT' && sourceThere) {
    return new AsyncClientError(
      FolderErrorCode.notFound,
      `Cannot move "${from}" to "${to}" in working folder ${at.root}: the destination folder does not exist; create it first (ensureDir).`,
      { from, to, root: at.root },
    );
  }
  return at.error(error, `move "${to}" from`, move.source);
}
