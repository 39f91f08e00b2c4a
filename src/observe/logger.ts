import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import { SECRET_FIELDS, type LogLevel } from '../profile/profile.js';

export type { Logger };

/** `json`: one JSON object per line, for journald and log shippers; `pretty`: one readable line per event, for a person at a terminal. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Where a logger writes: the stream, and whether it is a terminal (`isTTY`, as Node's own streams say). */
export type LogDestination = DestinationStream & { readonly isTTY?: boolean; readonly fd?: number };

/**
 * The format nobody asked for: JSON under systemd (journald sets `JOURNAL_STREAM`, every unit
 * gets `INVOCATION_ID`) and whenever the output is a pipe or a file; pretty on a terminal.
 */
export function defaultLogFormat(destination: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): LogFormat {
  if (env.JOURNAL_STREAM !== undefined || env.INVOCATION_ID !== undefined) return 'json';
  return destination.isTTY === true ? 'pretty' : 'json';
}

/**
 * Each line names one event in `event` (`daemon.ready`, `profile.reloaded`) and carries its
 * facts as fields: `log.info({ sequence }, 'download.applied')`. Levels are written by name
 * (`"level":"info"`), in both formats.
 */
export function createLogger(level: LogLevel, destination: LogDestination = process.stdout, format: LogFormat = 'json'): Logger {
  const options = {
    level,
    messageKey: 'event',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]), censor: '[redacted]' },
  };
  // A stream with a file descriptor (stdout, stderr) is written to synchronously, so that the last line before an exit is never lost.
  const fd = typeof destination.fd === 'number' ? destination.fd : undefined;
  if (format === 'json') return pino(options, fd === undefined ? destination : pino.destination({ dest: fd, sync: true }));
  // In-process (no worker thread), for the same reason; loaded only here, so that a daemon logging JSON never holds it.
  const { build: prettyStream } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const pretty = prettyStream({
    destination: fd ?? destination,
    sync: true,
    colorize: destination.isTTY === true,
    messageKey: 'event',
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname',
  });
  return pino(options, pretty);
}
