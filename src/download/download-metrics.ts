import { Counter, Gauge, type Registry } from 'prom-client';

/** The download cycle's Prometheus metrics, registered once on the daemon's registry. */
export class DownloadMetrics {
  readonly packagesApplied: Counter;
  readonly rowsApplied: Counter;
  /** Failed tries and refused files, by error code. */
  readonly packagesFailed: Counter<'code'>;
  readonly packagesSuspended: Counter;
  /** Seconds the next sequence has been missing while later ones wait; 0 without a gap. */
  readonly gapAgeSeconds: Gauge;
  /** Packages in the download area waiting behind a gap, a Suspended package or a backoff. */
  readonly packagesWaiting: Gauge;
  readonly lastSuccessTimestamp: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.packagesApplied = new Counter({
      name: 'async_client_download_packages_applied_total',
      help: 'Download packages applied to the channel database',
      registers,
    });
    this.rowsApplied = new Counter({
      name: 'async_client_download_rows_applied_total',
      help: 'Database rows changed by applied download packages',
      registers,
    });
    this.packagesFailed = new Counter({
      name: 'async_client_download_packages_failed_total',
      help: 'Failed download tries and refused download files, by error code',
      labelNames: ['code'],
      registers,
    });
    this.packagesSuspended = new Counter({
      name: 'async_client_download_packages_suspended_total',
      help: 'Download packages Suspended after the try limit or an unrecoverable failure',
      registers,
    });
    this.gapAgeSeconds = new Gauge({
      name: 'async_client_download_gap_age_seconds',
      help: 'Seconds the next download sequence has been missing while later packages wait; 0 without a gap',
      registers,
    });
    this.packagesWaiting = new Gauge({
      name: 'async_client_download_packages_waiting',
      help: 'Download packages waiting behind a gap, a Suspended package or a retry backoff',
      registers,
    });
    this.lastSuccessTimestamp = new Gauge({
      name: 'async_client_download_last_success_timestamp_seconds',
      help: 'Unix time of the last download package applied',
      registers,
    });
  }
}
