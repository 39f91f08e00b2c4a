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
  it('draws megabytes and rate on a terminal (rows once counted), and clears its line when done', () => {
    const terminal = new Capture(true);
    const progress = new Progress(terminal, 'packing');
    progress.setBytes(3 * 2 ** 20);
    progress.addRows(1500);
    progress.done();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress line is terminal escapes
    expect(terminal.text).toMatch(/^\r\x1b\[Kpacking: 3\.0 MB, [\d.]+ MB\/s/);
    expect(terminal.text.endsWith('\r\x1b[K')).toBe(true);
  });

  it('pack counts the bytes of the rows it checked, not 0.0 MB', () => {
    const terminal = new Capture(true);
    const progress = new Progress(terminal, 'packing');
    progress.addRows(599_574, 48 * 2 ** 20);
    expect(terminal.text).toMatch(/packing: 599,574 rows, 48\.0 MB, [\d,]+ rows\/s$/);
  });

  it('a reader that counts only bytes shows them with a byte rate', () => {
    const terminal = new Capture(true);
    new Progress(terminal, 'reading').setBytes(5 * 2 ** 20);
    expect(terminal.text).toMatch(/reading: 5\.0 MB, [\d.]+ MB\/s$/);
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
