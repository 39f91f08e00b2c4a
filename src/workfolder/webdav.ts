import type { Readable } from 'node:stream';
import { AsyncClientError, errorCode } from '../errors.js';
import {
  byName,
  folderPath,
  isHiddenName,
  isPlainSegment,
  isTemporaryName,
  joinFolderPath,
  parentOf,
  probePath,
  type FolderPath,
} from './paths.js';
import { DavClient, type WebDavConnection } from './webdav-client.js';
import { asFolderError, webDavStatusError } from './webdav-errors.js';
import { openResumableRead, readWhole } from './webdav-read.js';
import { DavWrites } from './webdav-write.js';
import { KIND_PROPFIND_BODY, type DavResource } from './webdav-multistatus.js';
import { pollFolder } from './polling-watch.js';
import {
  FolderErrorCode,
  type FolderEntry,
  type FolderHealth,
  type WorkingFolder,
  type FolderWatch,
  type ReadResume,
  type WatchOptions,
} from './working-folder.js';

export type { WebDavConnection, WebDavTls } from './webdav-client.js';

/**
 * A working folder on a WebDAV server (HQ's IIS, nginx, Apache, Nextcloud, rclone...),
 * over node-fetch with keep-alive connections and Basic authentication. Writes are a PUT
 * to a hidden temporary name and a MOVE into place, so readers never see half a file
 * (`DavWrites`); this class keeps which folders are known to exist.
 */
export class WebDavWorkingFolder implements WorkingFolder {
  private readonly dav: DavClient;
  private readonly writes: DavWrites;
  /**
   * Folders known to exist, made or listed by this adapter, so that the cycles' `ensureDir`
   * costs no request after the first (HQ serves thousands of stores). A request that finds
   * one gone forgets it and what is under it.
   */
  private readonly knownFolders = new Set<string>();

  /** `probeOwner` (the store's channel id) names the preflight's probe files (see `probePath`). */
  constructor(
    connection: WebDavConnection,
    private readonly probeOwner?: string,
  ) {
    this.dav = new DavClient(connection);
    this.writes = new DavWrites(this.dav, (segments) => this.forgetFolder(segments));
  }

  async list(dir: string): Promise<FolderEntry[]> {
    const segments = folderPath(dir, 'dir');
    const resources = await this.dav.propfind(segments, 'collection', 1, 'list');
    if (resources === undefined) {
      this.forgetFolder(segments);
      await this.requireRoot('list');
      return [];
    }
    this.knownFolders.add(joinFolderPath(segments));
    return this.filesIn(segments, resources)
      .filter((entry) => !isHiddenName(entry.name))
      .sort(byName);
  }

  async listFolders(dir: string): Promise<string[]> {
    const segments = folderPath(dir, 'dir');
    const resources = await this.dav.propfind(segments, 'collection', 1, 'list folders in', KIND_PROPFIND_BODY);
    if (resources === undefined) {
      this.forgetFolder(segments);
      await this.requireRoot('list folders in');
      return [];
    }
    return this.childrenOf(segments, resources, true)
      .map(({ name }) => name)
      .filter((name) => !isHiddenName(name))
      .sort();
  }

  async stat(file: string): Promise<FolderEntry | undefined> {
    const segments = folderPath(file, 'file');
    const [resource] = (await this.dav.propfind(segments, 'file', 0, 'stat')) ?? [];
    return resource === undefined || resource.isCollection ? undefined : toEntry(segments, resource);
  }

  async openRead(file: string, resume?: ReadResume): Promise<Readable> {
    const segments = folderPath(file, 'file');
    return openResumableRead(this.dav, segments, this.dav.operation('read', segments), resume);
  }

  readWhole(file: string, limitBytes: number): Promise<Buffer | undefined> {
    const segments = folderPath(file, 'file');
    return readWhole(this.dav, segments, this.dav.operation('read', segments), limitBytes);
  }

  async writeAtomic(file: string, content: Readable | Uint8Array): Promise<void> {
    const segments = folderPath(file, 'file');
    const believedThere = this.knownFolders.has(joinFolderPath(parentOf(segments)));
    try {
      await this.writes.write(segments, content);
    } catch (error) {
      // HQ removed a folder made earlier: made again, once, when the bytes can be sent again.
      if (!believedThere || errorCode(error) !== FolderErrorCode.notFound || !(content instanceof Uint8Array)) throw error;
      await this.ensureDir(joinFolderPath(parentOf(segments)));
      await this.writes.write(segments, content);
    }
  }

  async move(from: string, to: string): Promise<void> {
    await this.writes.move(folderPath(from, 'file'), folderPath(to, 'file'));
  }

  async remove(file: string): Promise<void> {
    await this.writes.delete(folderPath(file, 'file'), 'remove');
  }

  async ensureDir(dir: string): Promise<void> {
    const segments = folderPath(dir, 'dir');
    if (this.knownFolders.has(joinFolderPath(segments))) return;
    if (!(await this.dav.isCollection(segments, 'create folder'))) {
      if (segments.length === 0) throw this.rootMissing('create folder');
      const operation = this.dav.operation('create folder', segments);
      for (let depth = 1; depth <= segments.length; depth += 1) {
        const level = segments.slice(0, depth);
        const { status, retryAfter } = await this.dav.exchange({
          method: 'MKCOL',
          target: this.dav.urlFor(level, 'collection'),
          operation,
        });
        // 405 is also the answer for a folder that already exists.
        const exists = status === 201 || (status === 405 && (await this.dav.isCollection(level, 'create folder')));
        if (!exists) throw webDavStatusError(status, operation, retryAfter);
      }
    }
    for (let depth = 0; depth <= segments.length; depth += 1) this.knownFolders.add(joinFolderPath(segments.slice(0, depth)));
  }

  async sweepTemporaries(dir: string, olderThan: Date, only: (name: string) => boolean = () => true): Promise<number> {
    const segments = folderPath(dir, 'dir');
    const stale = this.filesIn(segments, (await this.dav.propfind(segments, 'collection', 1, 'sweep')) ?? []).filter(
      (entry) => isTemporaryName(entry.name) && only(entry.name) && entry.modifiedAt < olderThan,
    );
    for (const entry of stale) await this.writes.delete([...segments, entry.name], 'sweep');
    return stale.length;
  }

  watch(dir: string, onChange: (names: readonly string[]) => void, options: WatchOptions): Promise<FolderWatch> {
    folderPath(dir, 'dir');
    return pollFolder(() => this.list(dir), onChange, options);
  }

  async check(): Promise<FolderHealth> {
    try {
      const [root] = (await this.dav.propfind([], 'collection', 0, 'check')) ?? [];
      if (root === undefined || !root.isCollection) throw this.rootMissing('check');
      this.knownFolders.add('');
      const probe = probePath(this.probeOwner);
      await this.writes.write(probe, Buffer.from('async-client probe\n'));
      await this.writes.delete(probe, 'remove the probe file');
      return { ok: true, freeBytes: root.quotaAvailableBytes };
    } catch (error) {
      return { ok: false, error: asFolderError(error, this.dav.operation('check', [])) };
    }
  }

  describe(): string {
    return `WebDAV folder ${this.dav.base.href}${this.dav.username === undefined ? '' : ` as ${this.dav.username}`}`;
  }

  async close(): Promise<void> {
    this.dav.close();
  }

  /**
   * The files directly inside the folder `segments` among a Depth 1 PROPFIND's resources,
   * hidden ones too. A hostile or broken answer may name other folders or names no path may
   * hold (`..`, an encoded `/`): those are not files of this folder. (Servers behind a proxy
   * may name another host in absolute hrefs, so only the path is compared.)
   */
  private filesIn(segments: FolderPath, resources: readonly DavResource[]): FolderEntry[] {
    return this.childrenOf(segments, resources, false).map(({ name, resource }) => toEntry([...segments, name], resource));
  }

  /** The files or the folders directly inside `segments` among a Depth 1 PROPFIND's resources, hidden ones too. */
  private childrenOf(
    segments: FolderPath,
    resources: readonly DavResource[],
    collections: boolean,
  ): Array<{ name: string; resource: DavResource }> {
    const prefix = this.dav
      .urlFor(segments, 'collection')
      .pathname.split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment));
    const depth = prefix.length;
    return resources
      .filter(
        (resource) =>
          resource.segments.length === depth + 1 &&
          prefix.every((segment, index) => resource.segments[index] === segment) &&
          isPlainSegment(resource.segments[depth] ?? '') &&
          resource.isCollection === collections,
      )
      .map((resource) => ({ name: resource.segments[depth] ?? '', resource }));
  }

  private forgetFolder(segments: FolderPath): void {
    const folder = joinFolderPath(segments);
    for (const known of this.knownFolders) {
      if (known === folder || (folder === '' ? known !== '' : known.startsWith(`${folder}/`))) this.knownFolders.delete(known);
    }
  }

  /** The share itself exists: asked once, then remembered, so that a missing area costs one request. */
  private async requireRoot(action: string): Promise<void> {
    if (this.knownFolders.has('')) return;
    if (!(await this.dav.isCollection([], action))) throw this.rootMissing(action);
    this.knownFolders.add('');
  }

  private rootMissing(action: string): AsyncClientError {
    return new AsyncClientError(
      FolderErrorCode.unreachable,
      `Cannot ${action} WebDAV folder ${this.dav.base.href}: the server has no folder at that URL. Check workingFolder.url.`,
      { location: this.dav.base.href },
    );
  }
}

function toEntry(segments: FolderPath, resource: DavResource): FolderEntry {
  return {
    path: joinFolderPath(segments),
    name: segments[segments.length - 1] ?? '',
    size: resource.size ?? 0,
    modifiedAt: resource.modifiedAt ?? new Date(0),
    ...(resource.etag === undefined ? {} : { etag: resource.etag }),
  };
}
