/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the years `toISOString` writes with four digits. */
const FIRST_FOUR_DIGIT_MS = -62_167_219_200_000;
const LAST_FOUR_DIGIT_MS = 253_402_300_799_999;
const MS_PER_DAY = 86_400_000;

/**
 * `new Date(ms).toISOString()` without the Date: the same text, several times faster, which
 * matters for a package's million timestamps (profiled: toISOString was an eighth of a full
 * apply). Civil date from days by Howard Hinnant's `civil_from_days`; years outside 0 to 9999,
 * which ISO writes with a sign and six digits, are left to `toISOString`.
 */
export function isoTimestamp(ms: number): string {
  if (ms < FIRST_FOUR_DIGIT_MS || ms > LAST_FOUR_DIGIT_MS) return new Date(ms).toISOString();
  const days = Math.floor(ms / MS_PER_DAY);
  const inDay = ms - days * MS_PER_DAY;
  const seconds = Math.floor(inDay / 1000);
  return `${dateOf(days)}${TWO_DIGITS[Math.floor(seconds / 3600)]}:${TWO_DIGITS[Math.floor(seconds / 60) % 60]}:${TWO_DIGITS[seconds % 60]}.${THREE_DIGITS[inDay % 1000]}Z`;
}

/**
 * The same text written into `bytes` at `at` (ASCII, at most 27 bytes), without a string made;
 * returns its length. A full package's timestamps are written so on their way to the writer thread:
 * the string and its copy cost four times as much (docs/benchmarks.md, issue 10, twenty-fifth round).
 */
export function writeIsoTimestamp(ms: number, bytes: Uint8Array, at: number): number {
  if (ms < FIRST_FOUR_DIGIT_MS || ms > LAST_FOUR_DIGIT_MS) return writeAscii(new Date(ms).toISOString(), bytes, at);
  const days = Math.floor(ms / MS_PER_DAY);
  const time = writeAscii(dateOf(days), bytes, at) + at;
  const inDay = ms - days * MS_PER_DAY;
  const seconds = Math.floor(inDay / 1000);
  writeDigits(TWO_DIGIT_CODES, 2, Math.floor(seconds / 3600), bytes, time);
  bytes[time + 2] = COLON;
  writeDigits(TWO_DIGIT_CODES, 2, Math.floor(seconds / 60) % 60, bytes, time + 3);
  bytes[time + 5] = COLON;
  writeDigits(TWO_DIGIT_CODES, 2, seconds % 60, bytes, time + 6);
  bytes[time + 8] = DOT;
  writeDigits(THREE_DIGIT_CODES, 3, inDay % 1000, bytes, time + 9);
  bytes[time + 12] = LETTER_Z;
  return time + 13 - at;
}

function writeAscii(text: string, bytes: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) bytes[at + i] = text.charCodeAt(i);
  return text.length;
}

function writeDigits(codes: Uint8Array, width: number, value: number, bytes: Uint8Array, at: number): void {
  for (let i = 0; i < width; i++) bytes[at + i] = codes[value * width + i] as number;
}

/** The date of the timestamp before: a package's timestamps cluster, and most share their day with the one before (measured: a third of the cost). */
let lastDay = Number.NaN;
let lastDate = '';

function dateOf(days: number): string {
  if (days !== lastDay) {
    lastDate = isoDate(days);
    lastDay = days;
  }
  return lastDate;
}

/** `YYYY-MM-DDT` of a day since the epoch, year 0 to 9999. */
function isoDate(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const yearText = year >= 1000 ? String(year) : String(year).padStart(4, '0');
  return `${yearText}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T`;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const TWO_DIGIT_CODES = Buffer.from(TWO_DIGITS.join(''), 'latin1');
const THREE_DIGIT_CODES = Buffer.from(THREE_DIGITS.join(''), 'latin1');
const COLON = 0x3a;
const DOT = 0x2e;
const LETTER_Z = 0x5a;
