/**
 * Checks on JSON text that JSON.parse does not make: the text of a line is UTF-8 that decoded
 * cleanly, but JSON escapes can still spell a lone surrogate (`"\ud800"`), which is no Unicode
 * text and which SQLite would store as bytes that are not UTF-8; and JSON.parse silently keeps
 * the last of two members with the same name, where the format refuses the object.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** A `\u` escape of a surrogate: only these can make a lone one, since the bytes were valid UTF-8. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when a string of the parsed text may hold a lone surrogate; cheap, on the raw line. */
export function mayHoldLoneSurrogate(text: string): boolean {
  return SURROGATE_ESCAPE.test(text);
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Whether a string is Unicode text: no surrogate without its partner. */
export function isWellFormedText(text: string): boolean {
  return !SURROGATE.test(text) || !LONE_SURROGATE.test(text);
}

/** Whether a parsed JSON value holds a lone surrogate in any string or member name. */
export function holdsLoneSurrogate(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (LONE_SURROGATE.test(next)) return true;
    } else if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
    } else if (typeof next === 'object' && next !== null) {
      for (const [name, member] of Object.entries(next)) {
        if (LONE_SURROGATE.test(name)) return true;
        pending.push(member);
      }
    }
  }
  return false;
}

/**
 * The first structural problem of a valid JSON text: a member name twice in one object (names
 * compared after unescaping), or arrays and objects nested deeper than `maxDepth`.
 */
export function jsonStructureProblem(text: string, maxDepth: number): string | undefined {
  const open: (Set<string> | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      open.push(c === OPEN_BRACE ? new Set<string>() : null);
      if (open.length > maxDepth) return `arrays and objects are nested deeper than ${maxDepth}`;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      open.pop();
    } else if (c === QUOTE) {
      const start = i;
      let escaped = false;
      for (i++; text.charCodeAt(i) !== QUOTE; i++) {
        if (text.charCodeAt(i) === BACKSLASH) {
          escaped = true;
          i++;
        }
      }
      const names = open.at(-1);
      if (names instanceof Set && nextNonSpace(text, i + 1) === COLON) {
        const literal = text.slice(start, i + 1);
        const name = escaped ? (JSON.parse(literal) as string) : literal.slice(1, -1);
        if (names.has(name)) return `member ${JSON.stringify(name)} appears twice in one object`;
        names.add(name);
      }
    }
  }
  return undefined;
}

function nextNonSpace(text: string, from: number): number {
  let at = from;
  while (at < text.length && /\s/.test(text.charAt(at))) at++;
  return text.charCodeAt(at);
}
