import { createServer, request as forward, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One request that went through the proxy. */
export interface ProxiedRequest {
  readonly method: string;
  /** Path and query, as the client asked. */
  readonly path: string;
  readonly status: number;
  /** When the request arrived (ms since the epoch). */
  readonly at: number;
  /** The `Range` header the client sent, if any. */
  readonly range: string | undefined;
  /** Body bytes sent back to the client (for a GET: what crossed the "WAN"). */
  responseBytes: number;
}

/** A fault the proxy applies to the next request of a method. */
interface Cut {
  readonly method: 'GET' | 'PUT';
  readonly afterBytes: number;
}

/**
 * A plain HTTP proxy in front of a real WebDAV server that records every request, so that a
 * test can count what the adapter asks of HQ's server (PROPFIND, MKCOL, GET...) and the bytes
 * that crossed; and that breaks the link as a WAN does: it can cut the next GET's answer or the
 * next PUT's body after so many bytes, hide `Range` from the server (one that ignores ranges),
 * and hold a request until the test has done something (replaced the file, say).
 */
export class CountingProxy {
  readonly requests: ProxiedRequest[] = [];
  /** When set, `Range` and `If-Range` never reach the server. */
  ignoreRanges = false;
  /** When set, every connection is cut as it arrives (after a held request is let go): the link is down. */
  down = false;
  private cut: Cut | undefined;
  private hold: { readonly until: () => Promise<void> } | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Listens on loopback and forwards to `target` (an http:// URL); `url` keeps `target`'s path. */
  static async start(target: string): Promise<CountingProxy> {
    const upstream = new URL(target);
    let proxy: CountingProxy | undefined;
    const server = createServer((incoming, outgoing) => {
      void proxy?.forward(upstream, incoming, outgoing);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    proxy = new CountingProxy(server, `http://127.0.0.1:${address.port}${upstream.pathname}`);
    return proxy;
  }

  /** The next request of `method` has its connection cut after `afterBytes` bytes of its body (GET: the answer's; PUT: the upload's). */
  cutNext(method: 'GET' | 'PUT', afterBytes: number): void {
    this.cut = { method, afterBytes };
  }

  /** The next request that asks for a `Range` (a resumed download) waits until `until` resolves before it is forwarded. */
  holdNextRange(until: () => Promise<void>): void {
    this.hold = { until };
  }

  /** How many requests of each method, e.g. `{ PROPFIND: 1, GET: 1 }`; clears the record. */
  takeCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { method } of this.requests.splice(0)) counts[method] = (counts[method] ?? 0) + 1;
    return counts;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async forward(upstream: URL, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const hold = incoming.headers.range === undefined ? undefined : this.hold;
    if (hold !== undefined) {
      this.hold = undefined;
      incoming.pause();
      await hold.until();
    }
    if (this.down) {
      incoming.socket.destroy();
      return;
    }
    const cut = this.cut?.method === incoming.method ? this.cut : undefined;
    if (cut !== undefined) this.cut = undefined;
    const headers = { ...incoming.headers };
    if (this.ignoreRanges) {
      delete headers.range;
      delete headers['if-range'];
    }
    const range = incoming.headers.range;
    const at = Date.now();
    const upstreamRequest = forward(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers },
      (answer) => {
        const record: ProxiedRequest = {
          method: incoming.method ?? '',
          path: incoming.url ?? '',
          status: answer.statusCode ?? 0,
          at,
          range,
          responseBytes: 0,
        };
        this.requests.push(record);
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on('data', (chunk: Buffer) => {
          const room = cut?.method === 'GET' ? cut.afterBytes - record.responseBytes : chunk.length;
          if (room < chunk.length) {
            record.responseBytes += Math.max(0, room);
            if (room > 0) outgoing.write(chunk.subarray(0, room));
            answer.destroy();
            outgoing.socket?.destroy();
            return;
          }
          record.responseBytes += chunk.length;
          // Held back while the client is slower, so that what is counted is what it got, not a buffer a cut would drop.
          if (!outgoing.write(chunk)) {
            answer.pause();
            outgoing.once('drain', () => answer.resume());
          }
        });
        answer.on('end', () => outgoing.end());
      },
    );
    upstreamRequest.on('error', () => outgoing.destroy());
    if (cut?.method !== 'PUT') {
      incoming.pipe(upstreamRequest);
      return;
    }
    let sent = 0;
    incoming.on('data', (chunk: Buffer) => {
      if (sent + chunk.length < cut.afterBytes) {
        sent += chunk.length;
        upstreamRequest.write(chunk);
        return;
      }
      upstreamRequest.destroy();
      incoming.socket.destroy();
    });
    incoming.on('end', () => upstreamRequest.end());
  }
}
