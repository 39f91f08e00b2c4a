import { Writable } from 'node:stream';
import { createLogger, defaultLogFormat } from '../../src/observe/logger.js';
import { SAMPLE_PROFILE } from '../profile/profile-files.js';

function capture(): { lines: Array<Record<string, unknown>>; destination: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes one JSON line per event, named in `event`, with its fields', () => {
    const { lines, destination } = capture();
    createLogger('info', destination).info({ sequence: 14, rows: 3 }, 'download.applied');
    expect(lines).toEqual([expect.objectContaining({ event: 'download.applied', sequence: 14, rows: 3, level: 'info', pid: process.pid })]);
    expect(typeof lines[0]!.time).toBe('string');
  });

  it('redacts the working folder password wherever a profile is logged', () => {
    const { lines, destination } = capture();
    const log = createLogger('info', destination);
    log.info({ workingFolder: SAMPLE_PROFILE.workingFolder }, 'test.folder');
    log.info({ profile: SAMPLE_PROFILE }, 'test.profile');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('old-secret');
    expect(lines[0]).toMatchObject({ workingFolder: { password: '[redacted]', username: 'store' } });
    expect(lines[1]).toMatchObject({ profile: { workingFolder: { password: '[redacted]' } } });
  });

  it('leaves out events below the level', () => {
    const { lines, destination } = capture();
    const log = createLogger('warn', destination);
    log.info('cycle.started');
    log.warn('cycle.overrun');
    expect(lines.map((line) => line.event)).toEqual(['cycle.overrun']);
  });

  it('pretty: one line per event, the level by name, the fields on the same line', () => {
    let text = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    const log = createLogger('info', destination, 'pretty');
    log.warn({ sequence: 14, workingFolder: SAMPLE_PROFILE.workingFolder }, 'download.gap');
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: download\.gap \{"sequence":14,.*"password":"\[redacted\]".*\}\n$/);
  });
});

describe('defaultLogFormat', () => {
  it('is pretty on a terminal, json on anything else and under systemd', () => {
    expect(defaultLogFormat({ isTTY: true }, {})).toBe('pretty');
    expect(defaultLogFormat({}, {})).toBe('json');
    expect(defaultLogFormat({ isTTY: true }, { JOURNAL_STREAM: '8:1234' })).toBe('json');
    expect(defaultLogFormat({ isTTY: true }, { INVOCATION_ID: 'abc' })).toBe('json');
  });
});
