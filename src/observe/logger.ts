import { pino, type DestinationStream, type Logger } from 'pino';
import { SECRET_FIELDS, type LogLevel } from '../profile/profile.js';

export type { Logger };

/**
 * JSON lines on stdout (journald keeps them). Each line names one event in `event`
 * (`daemon.ready`, `profile.reloaded`) and carries its facts as fields:
 * `log.info({ sequence }, 'download.applied')`.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    messageKey: 'event',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]), censor: '[redacted]' },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
