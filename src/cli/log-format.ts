import { createLogger, defaultLogFormat, LOG_FORMATS, type LogDestination, type LogFormat, type Logger } from '../observe/logger.js';
import type { LogLevel } from '../profile/profile.js';
import { usageError } from './args.js';
import type { CliCommand, CliIo } from './command.js';

export const LOG_FORMAT_OPTION = { 'log-format': { type: 'string' } } as const;

export const LOG_FORMAT_OPTION_HELP = `      --log-format F   json (one JSON object per line) or pretty (one readable line per
                       event). Default: pretty on a terminal, json otherwise and under systemd.`;

/**
 * The logger a command writes its events with, on `destination` (the daemon: stdout; a
 * one-shot command: stderr, its summary going to stdout) in the `--log-format` asked for, else
 * by defaultLogFormat. A format that does not exist is a usage error (its exit code returned).
 */
export function commandLogger(
  command: CliCommand,
  io: CliIo,
  destination: 'stdout' | 'stderr',
  formatOption: string | undefined,
): ((level: LogLevel) => Logger) | number {
  const stream = io[destination] as unknown as LogDestination;
  if (formatOption !== undefined && !LOG_FORMATS.includes(formatOption as LogFormat)) {
    return usageError(command, io, `--log-format must be ${LOG_FORMATS.join(' or ')}, got ${JSON.stringify(formatOption)}`);
  }
  const format = (formatOption as LogFormat | undefined) ?? defaultLogFormat(stream, io.env);
  return (level) => createLogger(level, stream, format);
}
