/**
 * Reads the usual JSON Lines row, one object whose members are plain strings, numbers, true,
 * false or null, straight into an array by member name, without the object JSON.parse would
 * make. The reason is V8's JSON.parse: it internalizes every string value of up to 10
 * characters (ids, prices, codes), which allocates it in the old generation and enters it in the
 * isolate's string table until the next full collection; over a million rows that took the peak
 * RSS of a pack from 105 to 150 MB (docs/benchmarks.md, issue 9). Here a value is a slice of the
 * line, which dies young.
 *
 * Anything else on the line (escapes, control characters, nested values, syntax errors) is not
 * read here: `read` returns false and the caller parses the line with JSON.parse, so that
 * every line it accepts means exactly what JSON.parse would make of it.
 */
export class FlatJsonLine {
  /** The member names whose values are read, as they appear in the line between quotes. */
  private readonly names: readonly string[];
  private readonly indexes: ReadonlyMap<string, number>;
  /** False when a name would need an escape in JSON: then no line is read here. */
  private readonly usable: boolean;

  constructor(names: readonly string[]) {
    this.names = names;
    this.indexes = new Map(names.map((name, index) => [name, index]));
    this.usable = names.every((name) => JSON.stringify(name) === `"${name}"`);
  }

  /**
   * Puts the value of each named member of `line` into `values` (same order as the names;
   * undefined when absent, the last one when a member repeats, as JSON.parse does); members
   * of other names are skipped. False when the line is not a flat object read here.
   */
  read(line: string, values: unknown[]): boolean {
    if (!this.usable) return false;
    values.fill(undefined);
    const end = line.length;
    let at = skipSpace(line, 0);
    if (line.charCodeAt(at) !== OPEN_BRACE) return false;
    at = skipSpace(line, at + 1);
    let expected = 0;
    if (line.charCodeAt(at) === CLOSE_BRACE) return skipSpace(line, at + 1) === end;
    for (;;) {
      if (line.charCodeAt(at) !== QUOTE) return false;
      // Members usually come in the same order on every line: try the next name first.
      let index = -1;
      const guess = this.names[expected];
      if (guess !== undefined && line.startsWith(guess, at + 1) && line.charCodeAt(at + 1 + guess.length) === QUOTE) {
        index = expected;
        at += guess.length + 2;
      } else {
        const close = plainStringEnd(line, at + 1);
        if (close < 0) return false;
        index = this.indexes.get(line.slice(at + 1, close)) ?? -1;
        at = close + 1;
      }
      at = skipSpace(line, at);
      if (line.charCodeAt(at) !== COLON) return false;
      at = skipSpace(line, at + 1);
      const valueEnd = this.readValue(line, at, index, values);
      if (valueEnd < 0) return false;
      expected = index + 1;
      at = skipSpace(line, valueEnd);
      const next = line.charCodeAt(at);
      if (next === CLOSE_BRACE) return skipSpace(line, at + 1) === end;
      if (next !== COMMA) return false;
      at = skipSpace(line, at + 1);
    }
  }

  /** Reads the value at `at` into `values[index]` (skipped when index < 0); its end, or -1 when it is not a plain value. */
  private readValue(line: string, at: number, index: number, values: unknown[]): number {
    const first = line.charCodeAt(at);
    let end: number;
    let value: unknown;
    if (first === QUOTE) {
      const close = plainStringEnd(line, at + 1);
      if (close < 0) return -1;
      value = line.slice(at + 1, close);
      end = close + 1;
    } else if (first === MINUS || (first >= DIGIT_0 && first <= DIGIT_9)) {
      end = numberEnd(line, at);
      if (end < 0) return -1;
      value = Number(line.slice(at, end));
    } else {
      const word = WORDS.find(([text]) => line.startsWith(text, at));
      if (word === undefined) return -1;
      [, value] = word;
      end = at + word[0].length;
    }
    if (index >= 0) values[index] = value;
    return end;
  }
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const WORDS: ReadonlyArray<readonly [string, boolean | null]> = [
  ['true', true],
  ['false', false],
  ['null', null],
];

/** Past JSON's whitespace (space, tab, LF, CR) from `at`. */
function skipSpace(line: string, at: number): number {
  let c = line.charCodeAt(at);
  while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = line.charCodeAt(++at);
  return at;
}

/** Where the string that starts at `at` (after its quote) closes, or -1 when it holds an escape or a control character. */
function plainStringEnd(line: string, at: number): number {
  for (let i = at; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c < 0x20) return -1;
  }
  return -1;
}

function digitsEnd(line: string, at: number): number {
  let c = line.charCodeAt(at);
  while (c >= DIGIT_0 && c <= DIGIT_9) c = line.charCodeAt(++at);
  return at;
}

/** The end of the JSON number at `at` (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?), or -1 when there is none. */
function numberEnd(line: string, at: number): number {
  if (line.charCodeAt(at) === MINUS) at++;
  const first = line.charCodeAt(at);
  if (first === DIGIT_0) at++;
  else if (first > DIGIT_0 && first <= DIGIT_9) at = digitsEnd(line, at + 1);
  else return -1;
  if (line.charCodeAt(at) === DOT) {
    const fraction = digitsEnd(line, at + 1);
    if (fraction === at + 1) return -1;
    at = fraction;
  }
  const e = line.charCodeAt(at);
  if (e === 0x65 || e === 0x45) {
    at++;
    const sign = line.charCodeAt(at);
    if (sign === 0x2b || sign === MINUS) at++;
    const exponent = digitsEnd(line, at);
    if (exponent === at) return -1;
    at = exponent;
  }
  return at;
}
