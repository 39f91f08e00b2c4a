import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import fetch, { type Response } from 'node-fetch';
import { AsyncClientError } from '../errors.js';
import { IdleDeadline } from './idle-deadline.js';
import { joinFolderPath, type FolderPath } from './paths.js';
import { webDavStatusError, webDavTransportError, type WebDavOperation } from './webdav-errors.js';
import { readTlsFiles, tlsError } from './webdav-tls.js';
import { parseMultistatus, PROPFIND_BODY, type DavResource } from './webdav-multistatus.js';
import { FolderErrorCode } from './working-folder.js';

/**
 * Keep-alive sockets that buffer 1 MiB each way: with Node's 16 KiB a package's body stops the
 * socket at every pause of the consumer (a write to disk), and a 500 MB GET over TLS took half
 * as long again as curl's; the body still flows with backpressure, only in larger steps.
 */
const SOCKETS = { keepAlive: true, highWaterMark: 1024 * 1024 };
/** The most of an error answer's page read (`whole`). */
const ERROR_PAGE_BYTES = 64 * 1024;

export interface WebDavConnection {
  /** Base URL of the shared folder (`https://hq.example/dav/stores/`). */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** Sent as `Authorization: Bearer`; wins over username and password. */
  readonly bearerToken?: string;
  /** A request that makes no progress for this long is abandoned (E_FOLDER_UNREACHABLE). */
  readonly timeoutSeconds: number;
  readonly tls?: WebDavTls;
}

/** PEM files for https: HQ's own CA, and a client certificate for mutual TLS. */
export interface WebDavTls {
  /** Trusted instead of the system's CAs. */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export interface DavRequest {
  readonly method: string;
  readonly target: URL;
  readonly operation: WebDavOperation;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string | Readable;
}

/** A small answer, read whole. */
export interface DavAnswer {
  readonly status: number;
  readonly body: string;
  /** The `Retry-After` header (seconds or an HTTP date), for webDavStatusError. */
  readonly retryAfter: string | null;
}

/** A small answer's bytes, read whole. */
export interface WholeAnswer {
  readonly status: number;
  readonly bytes: Buffer;
  readonly retryAfter: string | null;
}

/**
 * HTTP to one WebDAV share: URLs for folder paths, Basic authentication, keep-alive
 * connections, an idle deadline on every request, and transport failures turned into
 * folder errors. What the statuses mean for the working folder is the adapter's business
 * (webdav.ts, webdav-read.ts, webdav-write.ts).
 */
export class DavClient {
  readonly base: URL;
  readonly username: string | undefined;
  private readonly authorization: string | undefined;
  private readonly timeoutSeconds: number;
  private readonly tls: WebDavTls;
  private agent: Promise<http.Agent> | undefined;

  constructor(connection: WebDavConnection) {
    const base = parseBaseUrl(connection.url);
    this.username = connection.username ?? (base.username === '' ? undefined : decodeURIComponent(base.username));
    const password = connection.password ?? decodeURIComponent(base.password);
    base.username = '';
    base.password = '';
    this.base = base;
    this.authorization =
      connection.bearerToken !== undefined
        ? `Bearer ${connection.bearerToken}`
        : this.username === undefined
          ? undefined
          : `Basic ${Buffer.from(`${this.username}:${password}`).toString('base64')}`;
    this.timeoutSeconds = connection.timeoutSeconds;
    this.tls = connection.tls ?? {};
  }

  deadline(): IdleDeadline {
    return new IdleDeadline(this.timeoutSeconds);
  }

  /** The resources found, or `undefined` when the server has nothing at that path; `ask` is the request body naming the properties. */
  async propfind(
    segments: FolderPath,
    kind: 'file' | 'collection',
    depth: 0 | 1,
    action: string,
    ask = PROPFIND_BODY,
  ): Promise<DavResource[] | undefined> {
    const operation = this.operation(action, segments);
    const target = this.urlFor(segments, kind);
    const headers = { Depth: String(depth), 'Content-Type': 'application/xml; charset=utf-8' };
    const { status, body, retryAfter } = await this.exchange({ method: 'PROPFIND', target, operation, headers, body: ask });
    if (status === 404) return undefined;
    if (status !== 207) throw webDavStatusError(status, operation, retryAfter);
    return parseMultistatus(body, target);
  }

  async isCollection(segments: FolderPath, action: string): Promise<boolean> {
    const [resource] = (await this.propfind(segments, 'collection', 0, action)) ?? [];
    return resource?.isCollection === true;
  }

  /** A request with a small answer (PROPFIND, MKCOL, MOVE, DELETE): sent, answered and read whole within the deadline. */
  async exchange(request: DavRequest): Promise<DavAnswer> {
    const { status, bytes, retryAfter } = (await this.whole(request, Number.POSITIVE_INFINITY)) as WholeAnswer;
    return { status, body: bytes.toString('utf8'), retryAfter };
  }

  /**
   * As `exchange`, the answer's bytes; undefined (and the connection dropped) once more than
   * `limitBytes` of a successful answer came. An error answer keeps its status whatever its page's
   * size (a server's 404 page is larger than a small file's limit): its body is read up to
   * `ERROR_PAGE_BYTES`, else left empty.
   */
  async whole(request: DavRequest, limitBytes: number): Promise<WholeAnswer | undefined> {
    const deadline = this.deadline();
    try {
      const response = await this.send(request, deadline);
      const succeeded = response.status >= 200 && response.status < 300;
      const bytes = await readAtMost(response.body, succeeded ? limitBytes : ERROR_PAGE_BYTES).catch((error: unknown) => {
        throw this.transportError(error, request.operation, deadline);
      });
      if (bytes === undefined && succeeded) return undefined;
      return { status: response.status, bytes: bytes ?? Buffer.alloc(0), retryAfter: response.headers.get('retry-after') };
    } finally {
      deadline.stop();
    }
  }

  async send(request: DavRequest, deadline: IdleDeadline): Promise<Response> {
    const agent = await this.connectionAgent();
    try {
      return await fetch(request.target.href, {
        method: request.method,
        headers: { ...(this.authorization === undefined ? {} : { Authorization: this.authorization }), ...request.headers },
        body: request.body,
        agent,
        signal: deadline.signal,
        redirect: 'manual',
      });
    } catch (error) {
      throw this.transportError(error, request.operation, deadline);
    }
  }

  transportError(error: unknown, operation: WebDavOperation, deadline: IdleDeadline): AsyncClientError {
    return (
      tlsError(error, this.base, this.tls) ??
      webDavTransportError(error, operation, deadline.expired ? { seconds: deadline.seconds } : undefined)
    );
  }

  urlFor(segments: FolderPath, kind: 'file' | 'collection'): URL {
    const suffix = kind === 'collection' && segments.length > 0 ? '/' : '';
    return new URL(segments.map(encodeURIComponent).join('/') + suffix, this.base);
  }

  operation(action: string, segments: FolderPath): WebDavOperation {
    return { action, path: joinFolderPath(segments), location: this.base.href };
  }

  close(): void {
    void this.agent?.then(
      (agent) => agent.destroy(),
      () => undefined,
    );
  }

  /** One keep-alive agent, made at the first request: the TLS files are read then (E_FOLDER_TLS when they cannot be). */
  private connectionAgent(): Promise<http.Agent> {
    if (this.agent === undefined) {
      const agent =
        this.base.protocol === 'https:'
          ? readTlsFiles(this.tls).then((files) => new https.Agent({ ...SOCKETS, ...files }))
          : Promise.resolve(new http.Agent(SOCKETS));
      // A file that could not be read is read again at the next request: the operator may fix it meanwhile.
      agent.catch(() => {
        this.agent = undefined;
      });
      this.agent = agent;
    }
    return this.agent;
  }
}

/** The body's bytes, or undefined (the body destroyed) once more than `limitBytes` came. */
async function readAtMost(body: NodeJS.ReadableStream | null, limitBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body ?? []) {
    size += chunk.length;
    if (size > limitBytes) {
      (body as Readable).destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseBaseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text.endsWith('/') ? text : `${text}/`);
  } catch (error) {
    // The text is not echoed: it may hold a password.
    throw new AsyncClientError(
      FolderErrorCode.unreachable,
      'workingFolder.url is not a valid URL; write it as https://host/path/.',
      {},
      { cause: error },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AsyncClientError(
      FolderErrorCode.unreachable,
      `The WebDAV URL must start with http:// or https://, not ${url.protocol}//.`,
      {},
    );
  }
  return url;
}
