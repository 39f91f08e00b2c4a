import { spawn } from 'node:child_process';
import { AsyncClientError, errorMessage } from '../errors.js';

/**
 * Tells systemd how the daemon is doing (sd_notify protocol): READY=1 once started, STATUS= lines,
 * RELOADING=1 / READY=1 around a profile reload, STOPPING=1 on shutdown and WATCHDOG=1 pings.
 *
 * Node cannot write to the unix datagram socket in NOTIFY_SOCKET, so each message is sent by the
 * `systemd-notify` tool as a child process (hence NotifyAccess=all in the unit). By default that
 * tool waits until systemd has processed the message, which lets systemd attribute it to the
 * service although the sender exits right after. Everything is a no-op outside systemd (no
 * NOTIFY_SOCKET); a failed send is reported through `onError` and never thrown into the daemon.
 */
export interface SystemdNotifierOptions {
  /** The daemon's environment: NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID come from here. */
  readonly env: NodeJS.ProcessEnv;
  /** The daemon's PID, compared with WATCHDOG_PID. */
  readonly pid: number;
  /** Receives every failure to notify (E_SYSTEMD_NOTIFY) or to read the watchdog settings (E_SYSTEMD_WATCHDOG). */
  readonly onError: (error: AsyncClientError) => void;
  /** The tool that sends; found through PATH unless a path is given. */
  readonly command?: string;
}

export class SystemdNotifier {
  private readonly env: NodeJS.ProcessEnv;
  private readonly pid: number;
  private readonly onError: (error: AsyncClientError) => void;
  private readonly command: string;
  /** Sends run one after another so that systemd sees them in the order they were asked for. */
  private queue: Promise<void> = Promise.resolve();
  private watchdogTimer: NodeJS.Timeout | undefined;
  private watchdogPingPending = false;

  constructor(options: SystemdNotifierOptions) {
    this.env = options.env;
    this.pid = options.pid;
    this.onError = options.onError;
    this.command = options.command ?? 'systemd-notify';
  }

  /** True when running under systemd with Type=notify (NOTIFY_SOCKET is set). */
  get enabled(): boolean {
    return Boolean(this.env.NOTIFY_SOCKET);
  }

  ready(): Promise<void> {
    return this.send(['READY=1']);
  }

  /** One line shown by `systemctl status`; line breaks are flattened so they cannot inject fields. */
  status(text: string): Promise<void> {
    return this.send([`STATUS=${text.replace(/[\r\n]+/g, ' ')}`]);
  }

  /** Call `ready()` once the reload is done. MONOTONIC_USEC is what Type=notify-reload (systemd 253+) requires. */
  reloading(): Promise<void> {
    return this.send(['RELOADING=1', `MONOTONIC_USEC=${process.hrtime.bigint() / 1000n}`]);
  }

  stopping(): Promise<void> {
    return this.send(['STOPPING=1']);
  }

  watchdog(): Promise<void> {
    return this.send(['WATCHDOG=1']);
  }

  /**
   * Pings WATCHDOG=1 every half of the interval systemd asks for, until `stopWatchdog()`.
   * Does nothing when systemd asks for no pings, or asks them from another process (WATCHDOG_PID).
   * The timer does not keep the process alive.
   */
  startWatchdog(): void {
    if (this.watchdogTimer !== undefined || !this.enabled) return;
    let intervalMs: number | undefined;
    try {
      intervalMs = watchdogPingIntervalMs(this.env, this.pid);
    } catch (error) {
      if (!(error instanceof AsyncClientError)) throw error;
      this.onError(error);
      return;
    }
    if (intervalMs === undefined) return;
    this.watchdogTimer = setInterval(() => this.pingWatchdog(), intervalMs);
    this.watchdogTimer.unref();
  }

  stopWatchdog(): void {
    clearInterval(this.watchdogTimer);
    this.watchdogTimer = undefined;
  }

  /** Stops the watchdog timer and resolves once every message asked for so far has been sent (or reported). */
  async close(): Promise<void> {
    this.stopWatchdog();
    await this.queue;
  }

  /** A slow send must not pile up pings behind it: a tick is skipped while the previous ping is pending. */
  private pingWatchdog(): void {
    if (this.watchdogPingPending) return;
    this.watchdogPingPending = true;
    void this.watchdog().finally(() => {
      this.watchdogPingPending = false;
    });
  }

  private send(assignments: readonly string[]): Promise<void> {
    if (!this.enabled) return this.queue;
    this.queue = this.queue.then(() => this.runTool(assignments));
    return this.queue;
  }

  /** Resolves in every case; a failure goes to onError. */
  private runTool(assignments: readonly string[]): Promise<void> {
    return new Promise((resolveSend) => {
      let settled = false;
      const settle = (failure?: { reason: string; details: Record<string, unknown> }): void => {
        if (settled) return;
        settled = true;
        if (failure) this.onError(this.failure(assignments, failure.reason, failure.details));
        resolveSend();
      };
      const child = spawn(this.command, [...assignments], { env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      child.once('error', (error) => settle({ reason: errorMessage(error), details: {} }));
      child.once('close', (exitCode, signal) => {
        if (exitCode === 0) settle();
        else settle({ reason: stderr.trim() || `exited with ${exitCode ?? signal}`, details: { exitCode, signal } });
      });
    });
  }

  private failure(assignments: readonly string[], reason: string, details: Record<string, unknown>): AsyncClientError {
    return new AsyncClientError(
      'E_SYSTEMD_NOTIFY',
      `Could not send ${assignments.join(' ')} to systemd at ${this.env.NOTIFY_SOCKET} with ${this.command}: ${reason}. ` +
        'Check that systemd-notify is installed (package systemd) and that the unit sets NotifyAccess=all.',
      { command: this.command, assignments, socket: this.env.NOTIFY_SOCKET, ...details },
    );
  }
}

/**
 * How often to ping, in milliseconds: half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises.
 * Undefined when systemd asks for no pings or asks another process (WATCHDOG_PID not ours).
 */
export function watchdogPingIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const { WATCHDOG_USEC: usec, WATCHDOG_PID: watchdogPid } = env;
  if (!usec) return undefined;
  if (watchdogPid && watchdogPid !== String(pid)) return undefined;
  if (!/^[1-9]\d*$/.test(usec)) {
    throw new AsyncClientError(
      'E_SYSTEMD_WATCHDOG',
      `WATCHDOG_USEC=${usec} is not a positive whole number of microseconds; no watchdog pings will be sent. Check WatchdogSec= in the unit.`,
      { usec },
    );
  }
  return Math.max(1, Math.floor(Number(usec) / 2000));
}
