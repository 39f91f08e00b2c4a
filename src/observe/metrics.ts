import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The daemon's own metrics, served on /metrics. The cycles register theirs on the same
 * registry. Names follow Prometheus conventions with the `async_client_` prefix.
 */
export class DaemonMetrics {
  readonly registry = new Registry();

  readonly cycleRuns = new Counter({
    name: 'async_client_cycle_runs_total',
    help: 'Cycle runs by direction and outcome (idle, done, failed, error: threw outside any session).',
    labelNames: ['direction', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly cycleOverruns = new Counter({
    name: 'async_client_cycle_overruns_total',
    help: 'Triggers skipped because the previous run of the same cycle was still going.',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });

  readonly cycleDuration = new Histogram({
    name: 'async_client_cycle_duration_seconds',
    help: 'Wall time of one cycle run.',
    labelNames: ['direction'] as const,
    buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
    registers: [this.registry],
  });

  readonly cycleLastFinished = new Gauge({
    name: 'async_client_cycle_last_finished_timestamp_seconds',
    help: 'When a cycle run last finished, by direction and outcome.',
    labelNames: ['direction', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly profileReloads = new Counter({
    name: 'async_client_profile_reloads_total',
    help: 'Profile reloads by result (applied, unchanged, invalid).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly folderWorkerFailures = new Counter({
    name: 'async_client_folder_worker_failures_total',
    help: "A local working folder's file worker that failed for good: its calls are made on the main thread since, more slowly.",
    registers: [this.registry],
  });

  readonly ready = new Gauge({
    name: 'async_client_ready',
    help: '1 once start-up checks passed and the timers run; 0 while starting or stopping.',
    registers: [this.registry],
  });

  constructor() {
    // The event-loop lag monitor samples every 10 ms by default: a daemon that idles all day should not wake that often.
    collectDefaultMetrics({ register: this.registry, prefix: 'async_client_', eventLoopMonitoringPrecision: 1000 });
  }
}
