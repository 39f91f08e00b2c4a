import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';

/** What /healthz reports; `ready: false` (starting, stopping) answers 503. */
export interface HealthReport {
  readonly ready: boolean;
  readonly [field: string]: unknown;
}

export interface HealthServerOptions {
  readonly host: string;
  /** 0 picks a free port; `address()` tells which. */
  readonly port: number;
  readonly registry: Registry;
  readonly health: () => HealthReport;
  /** The status page's HTML, for `GET /`. */
  readonly page: () => Promise<string>;
  readonly log: Logger;
}

/** Serves `GET /` (the status page, for people), `GET /healthz` (JSON) and `GET /metrics` (Prometheus text) for monitoring. */
export class HealthServer {
  private constructor(private readonly server: Server) {}

  static async listen(options: HealthServerOptions): Promise<HealthServer> {
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (request.method !== 'GET') {
        response.writeHead(405, { allow: 'GET' }).end();
      } else if (path === '/') {
        options.page().then(
          (html) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html),
          (error: unknown) => {
            options.log.error({ err: error }, 'health.page_failed');
            response.writeHead(500).end();
          },
        );
      } else if (path === '/healthz') {
        const report = options.health();
        response.writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(report)}\n`);
      } else if (path === '/metrics') {
        options.registry.metrics().then(
          (text) => response.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
          (error: unknown) => {
            options.log.error({ err: error }, 'health.metrics_failed');
            response.writeHead(500).end();
          },
        );
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new HealthServer(server);
  }

  address(): { host: string; port: number } {
    const { address, port } = this.server.address() as AddressInfo;
    return { host: address, port };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
