import { createServer, request as forward, type Server } from 'node:http';

/** One request that went through the proxy. */
export interface ProxiedRequest {
  readonly method: string;
  /** Path and query, as the client asked. */
  readonly path: string;
  readonly status: number;
}

/**
 * A plain HTTP proxy in front of a real WebDAV server that records every request, so that a
 * test can count what the adapter asks of HQ's server (PROPFIND, MKCOL, GET...).
 */
export class CountingProxy {
  readonly requests: ProxiedRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Listens on loopback and forwards to `target` (an http:// URL); `url` keeps `target`'s path. */
  static async start(target: string): Promise<CountingProxy> {
    const upstream = new URL(target);
    let proxy: CountingProxy | undefined;
    const server = createServer((incoming, outgoing) => {
      const upstreamRequest = forward(
        { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (answer) => {
          proxy?.requests.push({ method: incoming.method ?? '', path: incoming.url ?? '', status: answer.statusCode ?? 0 });
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      upstreamRequest.on('error', () => outgoing.destroy());
      incoming.pipe(upstreamRequest);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    proxy = new CountingProxy(server, `http://127.0.0.1:${address.port}${upstream.pathname}`);
    return proxy;
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
}
