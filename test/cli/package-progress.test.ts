import { Writable } from 'node:stream';
import { Progress } from '../../src/cli/package/progress.js';

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

describe('progress display', () => {
  it('draws rows, megabytes and rate on a terminal, and clears its line when done', () => {
    const terminal = new Capture(true);
    const progress = new Progress(terminal, 'packing');
    progress.setBytes(3 * 2 ** 20);
    progress.addRows(1500);
    progress.done();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress line is terminal escapes
    expect(terminal.text).toMatch(/^\r\x1b\[Kpacking: 0 rows, 3\.0 MB, 0 rows\/s/);
    expect(terminal.text.endsWith('\r\x1b[K')).toBe(true);
  });

  it('prints nothing when the stream is not a terminal', () => {
    const pipe = new Capture(false);
    const progress = new Progress(pipe, 'packing');
    progress.addRows(1500);
    progress.setBytes(1);
    progress.done();
    expect(pipe.text).toBe('');
  });
});
