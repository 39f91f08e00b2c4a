/**
 * Writers of one value's JSON into a package line from PostgreSQL's binary COPY field, byte by
 * byte (see FieldKind in postgres-upload-lines.ts). Each takes the field's bytes `input[from, to)`
 * and writes into `out` at `at`; each returns where it stopped writing. `out` has room for six
 * bytes a byte of the field, and 20 for an instant.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const ZERO = 0x30;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** JSON.stringify's short escapes: `\b \t \n \f \r`; other control characters take `\u00xx`. */
const SHORT_ESCAPES: Readonly<Record<number, number>> = { 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72 };
const MAX_SAFE_DIGITS = Buffer.from(String(Number.MAX_SAFE_INTEGER), 'latin1');

/** UTF-8 text as a JSON string, escaped as JSON.stringify escapes it (no lone surrogate can come from UTF-8). */
export function writeString(input: Buffer, from: number, to: number, out: Buffer, at: number): number {
  let w = at;
  out[w++] = QUOTE;
  for (let i = from; i < to; i++) {
    const b = input[i] as number;
    if (b >= 0x20 && b !== QUOTE && b !== BACKSLASH) {
      out[w++] = b;
      continue;
    }
    out[w++] = BACKSLASH;
    const short = b < 0x20 ? SHORT_ESCAPES[b] : b;
    if (short !== undefined) {
      out[w++] = short;
      continue;
    }
    out[w++] = 0x75; // u
    out[w++] = ZERO;
    out[w++] = ZERO;
    out[w++] = HEX[b >> 4] as number;
    out[w++] = HEX[b & 15] as number;
  }
  out[w++] = QUOTE;
  return w;
}

/** Bytes as they are, between double quotes when `quoted`. */
export function writeBytes(input: Buffer, from: number, to: number, out: Buffer, at: number, quoted: boolean): number {
  let w = at;
  if (quoted) out[w++] = QUOTE;
  // A call into Buffer.copy costs more than a short loop.
  if (to - from < 24) for (let i = from; i < to; i++) out[w++] = input[i] as number;
  else w += input.copy(out, w, from, to);
  if (quoted) out[w++] = QUOTE;
  return w;
}

/** Integer digits: a JSON number within ±(2^53-1), a string beyond, as the integer codec writes it. */
export function writeInteger(input: Buffer, from: number, to: number, out: Buffer, at: number): number {
  const digits = to - from - (input[from] === MINUS ? 1 : 0);
  return writeBytes(
    input,
    from,
    to,
    out,
    at,
    digits > MAX_SAFE_DIGITS.length || (digits === MAX_SAFE_DIGITS.length && beyondSafe(input, to - digits)),
  );
}

function beyondSafe(input: Buffer, from: number): boolean {
  for (let i = 0; i < MAX_SAFE_DIGITS.length; i++) {
    const difference = (input[from + i] as number) - (MAX_SAFE_DIGITS[i] as number);
    if (difference !== 0) return difference > 0;
  }
  return false;
}

const MS_2000 = 946_684_800_000;
/** 2^32 = 4,294,967 * 1000 + 296. */
const HIGH_MS = 4_294_967;
const HIGH_REST = 296;

/**
 * A binary timestamp (64-bit microseconds since 2000-01-01, big-endian) as milliseconds since
 * 1970, floored (the microseconds cut, before 1970 too). In two halves, each exact as a double:
 * floor(x / 1000) = high * 4,294,967 + floor((high * 296 + low) / 1000).
 */
export function writeInstant(input: Buffer, from: number, out: Buffer, at: number): number {
  const high = input.readInt32BE(from);
  const low = input.readUInt32BE(from + 4);
  let ms = high * HIGH_MS + Math.floor((high * HIGH_REST + low) / 1000) + MS_2000;
  let w = at;
  if (ms < 0) {
    out[w++] = MINUS;
    ms = -ms;
  }
  // Digits in two small integers (below 2^31), which V8 divides far faster than a double.
  const upper = Math.floor(ms / 1e8);
  const lower = ms - upper * 1e8;
  if (upper === 0) return writeDigits(lower, out, w, 0);
  w = writeDigits(upper, out, w, 0);
  return writeDigits(lower, out, w, 8);
}

/** A small non-negative integer's digits, at least `width` of them (zeros before). */
function writeDigits(value: number, out: Buffer, at: number, width: number): number {
  let length = 1;
  for (let bound = 10; bound <= value; bound *= 10) length++;
  if (length < width) length = width;
  let rest = value;
  for (let i = at + length - 1; i >= at; i--) {
    const next = (rest / 10) | 0;
    out[i] = ZERO + rest - next * 10;
    rest = next;
  }
  return at + length;
}
