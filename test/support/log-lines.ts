import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/observe/logger.js';

/** A logger at `info` whose JSON lines the test reads back from `lines`. */
export function loggerToLines(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
  return { log, lines };
}
