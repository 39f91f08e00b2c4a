import { Counter, Gauge, type Registry } from 'prom-client';

/** The upload cycle's metrics, registered once per registry (a daemon builds one cycle per registry). */
export class UploadMetrics {
  readonly packages: Counter<never>;
  readonly rows: Counter<'table'>;
  readonly bytes: Counter<never>;
  readonly idleRuns: Counter<never>;
  readonly failures: Counter<'code'>;
  readonly heldTables: Gauge<'table' | 'code'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.packages = new Counter({ name: 'async_client_upload_packages_total', help: 'Upload packages published (Uploaded).', registers });
    this.rows = new Counter({
      name: 'async_client_upload_rows_total',
      help: 'Rows published, by table.',
      labelNames: ['table'] as const,
      registers,
    });
    this.bytes = new Counter({ name: 'async_client_upload_bytes_total', help: 'Bytes of upload packages published.', registers });
    this.idleRuns = new Counter({
      name: 'async_client_upload_idle_runs_total',
      help: 'Upload runs that found no new rows and published nothing.',
      registers,
    });
    this.failures = new Counter({
      name: 'async_client_upload_failures_total',
      help: 'Upload failures by error code: failed sessions (UploadFailed) and tables held back.',
      labelNames: ['code'] as const,
      registers,
    });
    this.heldTables = new Gauge({
      name: 'async_client_upload_table_held',
      help: '1 while an upload table is held back (counter gone backwards, table or counter missing), by table and code.',
      labelNames: ['table', 'code'] as const,
      registers,
    });
  }
}
