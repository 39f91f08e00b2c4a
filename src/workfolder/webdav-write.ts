import { Readable } from 'node:stream';
import { joinFolderPath, parentOf, temporarySibling, type FolderPath } from './paths.js';
import { timedChunks, YoungGarbage } from './streams.js';
import type { DavClient } from './webdav-client.js';
import { asFolderError, webDavCreateRefused, webDavStatusError, type WebDavOperation } from './webdav-errors.js';
import { explainRefusedWrite } from './webdav-refusal.js';

/** Statuses servers give a write for a full disk or a read-only folder alike (Apache: 500; rclone: 405). */
const REFUSALS = [403, 405, 500];

/**
 * The requests that change a WebDAV folder: a file written as a PUT to a hidden temporary
 * name and a MOVE into place, so readers never see half a file; MOVE; DELETE. Each answer
 * becomes a folder error, a refusal explained. `onFolderGone` hears of a folder an answer
 * showed missing, so that the adapter stops believing it is there.
 */
export class DavWrites {
  constructor(
    private readonly dav: DavClient,
    private readonly onFolderGone: (segments: FolderPath) => void,
  ) {}

  async write(segments: FolderPath, content: Readable | Uint8Array): Promise<void> {
    const temporary = temporarySibling(segments);
    try {
      await this.put(temporary, content, this.dav.operation('write', segments));
      await this.move(temporary, segments);
    } catch (error) {
      await this.delete(temporary, 'remove the temporary file').catch(() => undefined);
      throw error;
    }
  }

  async move(from: FolderPath, to: FolderPath): Promise<void> {
    const operation = this.dav.operation(`move "${joinFolderPath(to)}" from`, from);
    const headers = { Destination: this.dav.urlFor(to, 'file').href, Overwrite: 'T' };
    const { status, retryAfter } = await this.dav.exchange({ method: 'MOVE', target: this.dav.urlFor(from, 'file'), operation, headers });
    if (status === 201 || status === 204) return;
    if (status === 409) this.onFolderGone(parentOf(to));
    // Servers disagree on the status for a missing source (rclone: 403), so look.
    if ([403, 404, 409].includes(status) && (await this.dav.propfind(from, 'file', 0, 'move')) === undefined) {
      throw webDavStatusError(404, operation);
    }
    if (REFUSALS.includes(status)) throw await explainRefusedWrite(this.dav, parentOf(to), status, 0, operation);
    throw webDavStatusError(status, operation, retryAfter);
  }

  async delete(segments: FolderPath, action: string): Promise<void> {
    const operation = this.dav.operation(action, segments);
    const { status, retryAfter } = await this.dav.exchange({ method: 'DELETE', target: this.dav.urlFor(segments, 'file'), operation });
    if (![200, 204, 404].includes(status)) throw webDavStatusError(status, operation, retryAfter);
  }

  private async put(segments: FolderPath, content: Readable | Uint8Array, operation: WebDavOperation): Promise<void> {
    const deadline = this.dav.deadline();
    let sourceError: unknown;
    let bytes = content instanceof Uint8Array ? content.byteLength : 0;
    const garbage = new YoungGarbage();
    // Time spent waiting on our own source is not the server being idle.
    const timedSource = (source: Readable): AsyncGenerator<Uint8Array> =>
      timedChunks(
        counted(source as AsyncIterable<Uint8Array>, (length) => {
          bytes += length;
          garbage.add(length);
        }),
        { onWait: () => deadline.stop(), onChunk: () => deadline.start() },
        (error) => {
          sourceError = error;
          return error;
        },
      );
    const body =
      content instanceof Uint8Array
        ? Buffer.from(content.buffer, content.byteOffset, content.byteLength)
        : Readable.from(timedSource(content), { objectMode: false });
    try {
      const response = await this.dav.send({ method: 'PUT', target: this.dav.urlFor(segments, 'file'), operation, body }, deadline);
      await response.arrayBuffer().catch((error: unknown) => {
        throw this.dav.transportError(error, operation, deadline);
      });
      if ([200, 201, 204].includes(response.status)) return;
      if ([404, 409].includes(response.status)) this.onFolderGone(parentOf(segments));
      if ([404, 409].includes(response.status) && (await this.dav.isCollection(parentOf(segments), operation.action))) {
        throw webDavCreateRefused(response.status, operation);
      }
      if (REFUSALS.includes(response.status))
        throw await explainRefusedWrite(this.dav, parentOf(segments), response.status, bytes, operation);
      throw webDavStatusError(response.status, operation, response.headers.get('retry-after'));
    } catch (error) {
      if (sourceError === undefined) throw error;
      throw asFolderError(sourceError, operation);
    } finally {
      deadline.stop();
    }
  }
}

async function* counted(source: AsyncIterable<Uint8Array>, onBytes: (length: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    onBytes(chunk.length);
    yield chunk;
  }
}
