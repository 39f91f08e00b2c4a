import { readFile } from 'node:fs/promises';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { AsyncClientError } from '../../errors.js';
import { CHANNEL_ID_PATTERN, MAX_SEQUENCE } from '../../package/file-name.js';
import { parsePackageFileName } from '../../package/index.js';
import { channelFolders } from '../../workfolder/layout.js';
import type { WorkingFolder } from '../../workfolder/working-folder.js';
import { concurrently } from '../../concurrently.js';

/** Which sequence each channel's package gets. */
export type SequencePlan = ReadonlyMap<string, number>;

const CHANNEL_ID_RULE = '1 to 64 letters, digits, "_" or "-", starting with a letter or digit';

function channelError(message: string, details: Record<string, unknown> = {}): AsyncClientError {
  return new AsyncClientError('E_FANOUT_CHANNELS', message, details);
}

function listed(names: readonly string[], limit = 10): string {
  return names.length <= limit ? names.join(', ') : `${names.slice(0, limit).join(', ')} and ${names.length - limit} more`;
}

/** `--channels A,B,C` or `--channels @FILE` (one id a line; blank lines and `#` comments skipped): checked ids, in order. */
export async function readChannelList(value: string, resolvePath: (file: string) => string): Promise<string[]> {
  const text = value.startsWith('@') ? await readFile(resolvePath(value.slice(1)), 'utf8') : value.replaceAll(',', '\n');
  const channels = text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
  if (channels.length === 0) throw channelError('the channel list is empty');
  const bad = channels.filter((channel) => !CHANNEL_ID_PATTERN.test(channel));
  if (bad.length > 0) {
    throw channelError(`not channel ids (${CHANNEL_ID_RULE}): ${listed(bad.map((b) => JSON.stringify(b)))}`, { bad });
  }
  const seen = new Set<string>();
  const twice = [...new Set(channels.filter((channel) => seen.size === seen.add(channel).size))];
  if (twice.length > 0) throw channelError(`channels listed more than once: ${listed(twice)}`, { duplicates: twice });
  return channels;
}

/** Refuses channels that have no store folder in the working folder: a typo would otherwise create one. */
export async function requireStoreFolders(folder: WorkingFolder, channels: readonly string[]): Promise<void> {
  const stores = new Set(await folder.listFolders(''));
  const unknown = channels.filter((channel) => !stores.has(channel));
  if (unknown.length > 0) {
    throw new AsyncClientError(
      'E_FANOUT_UNKNOWN_STORE',
      `no store folder in ${folder.describe()} for: ${listed(unknown)}; create <channel>/download for a new store first`,
      { unknown },
    );
  }
}

const SEQUENCE_TEXT = /^\d{1,12}$/;

/** One record of a plan file, with the line it ends on. */
interface PlanRecord {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

/** The plan's records: CSV as the other inputs are read (quotes, CRLF, a byte order mark), `#` lines and blank lines skipped. */
function planRecords(text: string, where: string): PlanRecord[] {
  try {
    return parseCsv(text, {
      bom: true,
      comment: '#',
      comment_no_infix: true,
      info: true,
      // Both line ends anywhere: csv-parse would otherwise take the first one's for the whole file.
      record_delimiter: ['\r\n', '\n'],
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as PlanRecord[];
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    throw channelError(`${where}:${error.lines}: ${error.message}`, { line: error.lines });
  }
}

/**
 * Reads a `channel,sequence` plan (the header line is optional); every channel must be in it,
 * once, with a sequence from 1 to MAX_SEQUENCE. Errors name the file and line.
 */
export function parseSequencePlan(text: string, where: string, channels: readonly string[]): SequencePlan {
  const plan = new Map<string, number>();
  const plannedOn = new Map<string, number>();
  for (const [index, { record, info }] of planRecords(text, where).entries()) {
    const [channel = '', sequenceText = ''] = record;
    if (index === 0 && record.length === 2 && channel.toLowerCase() === 'channel' && sequenceText.toLowerCase() === 'sequence') continue;
    const refuse = (problem: string): AsyncClientError => channelError(`${where}:${info.lines}: ${problem}`, { line: info.lines });
    if (record.length !== 2) throw refuse(`expected 2 fields, "channel,sequence", got ${record.length}`);
    if (!CHANNEL_ID_PATTERN.test(channel)) throw refuse(`${JSON.stringify(channel)} is not a channel id (${CHANNEL_ID_RULE})`);
    const sequence = SEQUENCE_TEXT.test(sequenceText) ? Number(sequenceText) : 0;
    if (sequence < 1 || sequence > MAX_SEQUENCE)
      throw refuse(`the sequence of ${channel} must be a whole number from 1 to ${MAX_SEQUENCE}, got ${JSON.stringify(sequenceText)}`);
    const first = plannedOn.get(channel);
    if (first !== undefined) throw refuse(`channel ${channel} is planned twice (first on line ${first})`);
    plan.set(channel, sequence);
    plannedOn.set(channel, info.lines);
  }
  const missing = channels.filter((channel) => !plan.has(channel));
  if (missing.length > 0) throw channelError(`${where} plans no sequence for: ${listed(missing)}`, { missing });
  return plan;
}

export function formatSequencePlan(plan: SequencePlan): string {
  return `channel,sequence\n${[...plan].map(([channel, sequence]) => `${channel},${sequence}`).join('\n')}\n`;
}

/**
 * The sequence after the highest one each channel's download area holds: waiting, applied,
 * canceled, or only remembered by a status report.
 */
export async function nextSequences(folder: WorkingFolder, channels: readonly string[], concurrency: number): Promise<SequencePlan> {
  const results = await concurrently(channels, concurrency, async (channel) => {
    const areas = channelFolders(channel);
    const listings = await Promise.all([areas.download, areas.applied, areas.canceled, areas.status].map((dir) => folder.list(dir)));
    let highest = 0;
    for (const entry of listings.flat()) {
      const parsed = parsePackageFileName(entry.name.replace(/\.json$/, ''));
      if (parsed !== undefined && parsed.channelId === channel && parsed.direction === 'download')
        highest = Math.max(highest, parsed.sequence);
    }
    return highest + 1;
  });
  const plan = new Map<string, number>();
  for (const [index, result] of results.entries()) {
    if (result.status === 'rejected') throw result.reason;
    plan.set(channels[index] as string, result.value);
  }
  return plan;
}
