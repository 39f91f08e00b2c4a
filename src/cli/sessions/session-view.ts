import type { DownloadSession } from '../../channel/download-journal.js';
import type { UploadSession } from '../../channel/upload-journal.js';
import type { Direction } from '../../package/types.js';

/** A session of either direction, as the `sessions` commands show it. */
export type AnySession = ({ readonly direction: 'download' } & DownloadSession) | ({ readonly direction: 'upload' } & UploadSession);

export function tagged(direction: Direction, session: DownloadSession | UploadSession): AnySession {
  return { direction, ...session } as AnySession;
}

/** JSON with ISO dates and 64-bit counters as strings: one value per line for `--json`. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, field: unknown) => (typeof field === 'bigint' ? field.toString() : field), 2)}\n`;
}

const COLUMNS = ['DIRECTION', 'ID', 'SEQ', 'STATUS', 'TRIES', 'UPDATED', 'FILE', 'MESSAGE'] as const;

/** A fixed-width table, newest first, one line per session. */
export function sessionTable(sessions: readonly AnySession[]): string {
  if (sessions.length === 0) return 'no sessions\n';
  const rows = sessions.map((s) => [
    s.direction,
    String(s.id),
    String(s.sequence),
    s.status,
    String(s.tries),
    s.updatedAt.toISOString(),
    s.fileName ?? '-',
    s.errorCode === null ? '' : `${s.errorCode}: ${oneLine(s.errorMessage ?? '')}`,
  ]);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return `${[line(COLUMNS), ...rows.map(line)].join('\n')}\n`;
}

/** How a field is named in every output: `checksum` is the whole file's SHA-256, never the package body's (`package inspect` shows both). */
const FIELD_NAMES: Readonly<Record<string, string>> = { checksum: 'file sha256' };

/** Every field of one session, one `name: value` line each; absent values are left out. */
export function sessionDetails(session: AnySession): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(session)) {
    const text = describeValue(value);
    if (text !== undefined) lines.push(`${FIELD_NAMES[name] ?? name}: ${text}`);
  }
  return `${lines.join('\n')}\n`;
}

function describeValue(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object')
    return JSON.stringify(value, (_key, field: unknown) => (typeof field === 'bigint' ? field.toString() : field));
  return String(value);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ');
}
