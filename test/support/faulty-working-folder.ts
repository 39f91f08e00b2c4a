import { Readable } from 'node:stream';
import { AsyncClientError } from '../../src/errors.js';
import type {
  FolderEntry,
  FolderErrorCode,
  FolderHealth,
  FolderWatch,
  ReadResume,
  WatchOptions,
  WorkingFolder,
} from '../../src/workfolder/working-folder.js';

/** The port's methods that can be made to fail. */
export type FaultableMethod =
  | 'list'
  | 'listFolders'
  | 'stat'
  | 'openRead'
  | 'writeAtomic'
  | 'move'
  | 'remove'
  | 'ensureDir'
  | 'sweepTemporaries'
  | 'check';

/**
 * Wraps any `WorkingFolder` and makes chosen calls fail as a sick folder would: the next
 * N calls of a method throw a folder error (`check()` reports it instead), or the next
 * read stream breaks after K bytes. Everything else passes through untouched, and every
 * call is counted so that a test can see retries.
 */
export class FaultyWorkingFolder implements WorkingFolder {
  private readonly pending = new Map<FaultableMethod, { code: FolderErrorCode; remaining: number; details: Record<string, unknown> }>();
  private readonly counts = new Map<FaultableMethod, number>();
  private readCut: { afterBytes: number; code: FolderErrorCode } | undefined;

  constructor(private readonly inner: WorkingFolder) {}

  /**
   * The next `times` calls of `method` fail with `code` (`Infinity`: until `heal()`), with
   * `details` as a real adapter would give them (`retryAfterSeconds` from a server's Retry-After).
   */
  failNext(method: FaultableMethod, code: FolderErrorCode, times = 1, details: Record<string, unknown> = {}): void {
    this.pending.set(method, { code, remaining: times, details });
  }

  /** The next `openRead` stream delivers `afterBytes` bytes, then fails with `code`. */
  cutNextRead(afterBytes: number, code: FolderErrorCode = 'E_FOLDER_UNREACHABLE'): void {
    this.readCut = { afterBytes, code };
  }

  heal(): void {
    this.pending.clear();
    this.readCut = undefined;
  }

  calls(method: FaultableMethod): number {
    return this.counts.get(method) ?? 0;
  }

  async list(dir: string): Promise<FolderEntry[]> {
    this.enter('list');
    return this.inner.list(dir);
  }

  async listFolders(dir: string): Promise<string[]> {
    this.enter('listFolders');
    return this.inner.listFolders(dir);
  }

  async stat(path: string): Promise<FolderEntry | undefined> {
    this.enter('stat');
    return this.inner.stat(path);
  }

  async openRead(path: string, resume?: ReadResume): Promise<Readable> {
    this.enter('openRead');
    const stream = await this.inner.openRead(path, resume);
    const cut = this.readCut;
    if (cut === undefined) return stream;
    this.readCut = undefined;
    return Readable.from(cutAfter(stream, cut.afterBytes, injected(cut.code, `reading "${path}"`)), { objectMode: false });
  }

  async writeAtomic(path: string, content: Readable | Uint8Array): Promise<void> {
    const fault = this.take('writeAtomic');
    if (fault !== undefined) {
      // A real adapter that fails stops reading the source and releases it.
      if (content instanceof Readable) content.destroy();
      throw fault;
    }
    return this.inner.writeAtomic(path, content);
  }

  async move(from: string, to: string): Promise<void> {
    this.enter('move');
    return this.inner.move(from, to);
  }

  async remove(path: string): Promise<void> {
    this.enter('remove');
    return this.inner.remove(path);
  }

  async ensureDir(dir: string): Promise<void> {
    this.enter('ensureDir');
    return this.inner.ensureDir(dir);
  }

  async sweepTemporaries(dir: string, olderThan: Date, only?: (name: string) => boolean): Promise<number> {
    this.enter('sweepTemporaries');
    return this.inner.sweepTemporaries(dir, olderThan, only);
  }

  watch(dir: string, onChange: (names: readonly string[]) => void, options: WatchOptions): Promise<FolderWatch> {
    return this.inner.watch(dir, onChange, options);
  }

  async check(): Promise<FolderHealth> {
    const fault = this.take('check');
    if (fault !== undefined) return { ok: false, error: fault };
    return this.inner.check();
  }

  describe(): string {
    return `${this.inner.describe()} (with injected faults)`;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private enter(method: FaultableMethod): void {
    const fault = this.take(method);
    if (fault !== undefined) throw fault;
  }

  /** Counts the call and returns the fault it must fail with, if one is pending. */
  private take(method: FaultableMethod): AsyncClientError | undefined {
    this.counts.set(method, this.calls(method) + 1);
    const fault = this.pending.get(method);
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.pending.delete(method);
    return injected(fault.code, method, fault.details);
  }
}

function injected(code: FolderErrorCode, during: string, details: Record<string, unknown> = {}): AsyncClientError {
  return new AsyncClientError(code, `Injected fault (test): ${during} fails with ${code}.`, { injected: true, ...details });
}

async function* cutAfter(source: AsyncIterable<Uint8Array>, limit: number, error: AsyncClientError): AsyncGenerator<Uint8Array> {
  let sent = 0;
  for await (const chunk of source) {
    const room = limit - sent;
    if (chunk.length >= room) {
      if (room > 0) yield chunk.subarray(0, room);
      throw error;
    }
    sent += chunk.length;
    yield chunk;
  }
}
