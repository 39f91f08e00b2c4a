/** A field as pack sees it: the text, or null for an empty unquoted field. */
export type CsvField = string | null;

/** Where parsing stopped with a problem: the record's first line and what is wrong. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const QUOTE = 34;
const COMMA = 44;
const CR = 13;
const LF = 10;

/**
 * An RFC 4180 CSV parser over text that arrives in chunks. A line without a quote, the usual
 * case, is split in one `split(',')`; a record with quotes is walked character by character and
 * may span lines and chunks. An empty unquoted field is null, a quoted empty field `""` the
 * empty string; CRLF and LF both end a record; empty lines are skipped. `push` returns the
 * records complete so far, each with the line it starts on.
 */
export class CsvScanner {
  private text = '';
  private line = 1;

  push(chunk: string, records: CsvField[][], lines: number[]): void {
    this.text = this.text.length === 0 ? chunk : this.text + chunk;
    this.scan(false, records, lines);
  }

  /** The last record, if the file does not end with a line break; throws for an open quote. */
  end(records: CsvField[][], lines: number[]): void {
    this.scan(true, records, lines);
  }

  private scan(final: boolean, records: CsvField[][], lines: number[]): void {
    const text = this.text;
    let pos = 0;
    let quote = text.indexOf('"');
    while (pos < text.length) {
      const newline = text.indexOf('\n', pos);
      if (newline < 0 && !final) break;
      const end = newline < 0 ? text.length : newline;
      if (quote >= 0 && quote < pos) quote = text.indexOf('"', pos);
      if (quote < 0 || quote >= end) {
        const stop = end > pos && text.charCodeAt(end - 1) === CR ? end - 1 : end;
        if (stop > pos) {
          records.push(nullForEmpty(text.slice(pos, stop).split(',')));
          lines.push(this.line);
        }
        this.line++;
        pos = end + 1;
        continue;
      }
      const next = this.quotedRecord(text, pos, final, records, lines);
      if (next < 0) break;
      pos = next;
    }
    this.text = pos >= text.length ? '' : text.slice(pos);
  }

  /** Parses one record holding quotes from `start`; returns where the next begins, or -1 when the text ends first. */
  private quotedRecord(text: string, start: number, final: boolean, records: CsvField[][], lines: number[]): number {
    const fields: CsvField[] = [];
    let i = start;
    let newlines = 0;
    for (;;) {
      let atEnd: boolean;
      if (text.charCodeAt(i) === QUOTE) {
        let value = '';
        let from = i + 1;
        for (;;) {
          const close = text.indexOf('"', from);
          if (close < 0) {
            if (final) throw new CsvSyntaxError(this.line, 'a quoted field is not closed before the end of the file');
            return -1;
          }
          const part = text.slice(from, close);
          newlines += countNewlines(part);
          value += part;
          if (close + 1 >= text.length && !final) return -1;
          if (text.charCodeAt(close + 1) === QUOTE) {
            value += '"';
            from = close + 2;
            continue;
          }
          i = close + 1;
          break;
        }
        fields.push(value);
        const c = text.charCodeAt(i);
        if (c === COMMA) {
          i++;
          continue;
        }
        if (c === CR && i + 1 >= text.length && !final) return -1;
        if (c === LF || (c === CR && text.charCodeAt(i + 1) === LF)) i += c === CR ? 2 : 1;
        else if (i < text.length)
          throw new CsvSyntaxError(this.line + newlines, 'a closing quote must be followed by a comma or the end of the line');
        atEnd = true;
      } else {
        let stop = i;
        let c = text.charCodeAt(stop);
        while (stop < text.length && c !== COMMA && c !== LF) c = text.charCodeAt(++stop);
        if (stop >= text.length && !final) return -1;
        let value = text.slice(i, stop);
        if (c === LF && value.charCodeAt(value.length - 1) === CR) value = value.slice(0, -1);
        if (value.includes('"')) {
          throw new CsvSyntaxError(
            this.line + newlines,
            'a quote inside an unquoted field; quote the whole field and double the quote ("")',
          );
        }
        fields.push(value === '' ? null : value);
        i = stop + 1;
        atEnd = c !== COMMA;
      }
      if (atEnd) break;
    }
    records.push(fields);
    lines.push(this.line);
    this.line += newlines + 1;
    return i;
  }
}

function nullForEmpty(fields: CsvField[]): CsvField[] {
  for (let i = 0; i < fields.length; i++) if (fields[i] === '') fields[i] = null;
  return fields;
}

function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++;
  return count;
}
