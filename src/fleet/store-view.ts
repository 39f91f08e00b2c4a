import { AsyncClientError, errorCode, errorMessage } from '../errors.js';
import { packageFileName, parsePackageFileName } from '../package/index.js';
import { readSmallFile } from '../workfolder/capped-read.js';
import { channelFolders, statusReportPath, type PackageStatusReport } from '../workfolder/layout.js';
import type { WorkingFolder } from '../workfolder/working-folder.js';
import { publicationOf } from '../profile/hq/hq-state.js';
import { parseHeartbeat } from './heartbeat-reader.js';
import { heartbeatPath, type Heartbeat } from './heartbeat.js';

/** How a store is doing, worst first: the order `fleet status` sorts by. */
export const STORE_STATES = ['suspended', 'unreadable', 'silent', 'failing', 'never-seen', 'behind', 'ok'] as const;
export type StoreState = (typeof STORE_STATES)[number];

/** Every state but these needs someone. */
const FINE: readonly StoreState[] = ['behind', 'ok'];

/** One store in HQ's view, from its heartbeat, its download area and, without a heartbeat, its status reports. */
export interface StoreView {
  readonly channel: string;
  readonly state: StoreState;
  readonly needsAttention: boolean;
  /** What an operator should know, worst first. */
  readonly notes: readonly string[];
  /** When the store last wrote its heartbeat (its own clock), and how long ago that is. */
  readonly lastSeen: string | null;
  readonly silentSeconds: number | null;
  readonly clientVersion: string | null;
  readonly profile: string | null;
  /** The profile HQ published that runs, and which publication of it (`publicationOf`); null when the store's own file runs alone, or nothing says. */
  readonly hqProfile: { readonly name: string; readonly publication: string | null } | null;
  readonly appliedThrough: number | null;
  /** The newest download sequence HQ dropped that is still in the download area, else the applied one. */
  readonly newestDropped: number | null;
  /** Packages between what the store applied and the newest HQ dropped. */
  readonly behind: number | null;
  readonly lastUpload: { readonly sequence: number; readonly status: string; readonly at: string | null } | null;
  readonly suspended: ReadonlyArray<{ readonly sequence: number; readonly message: string | null }>;
}

export interface StoreReadOptions {
  readonly now: Date;
  /** A heartbeat older than this is silent; by default three of the store's longest intervals, at least 15 minutes. */
  readonly silentAfterMinutes?: number;
}

/** Heartbeats and status reports are a few kilobytes; a larger file is not one. */
const REPORT_LIMIT_BYTES = 1024 * 1024;
/** Without a heartbeat, at most this many status reports of waiting packages are read. */
const STATUS_REPORTS_READ = 3;

function readSmall(folder: WorkingFolder, path: string): Promise<Buffer> {
  return readSmallFile(
    folder,
    path,
    REPORT_LIMIT_BYTES,
    () => new AsyncClientError('E_HEARTBEAT_CORRUPT', `${path}: larger than ${REPORT_LIMIT_BYTES} bytes, which no report is`),
  );
}

/** The heartbeat, undefined when the store never wrote one, or the error that makes it unreadable. */
async function readHeartbeat(folder: WorkingFolder, channel: string): Promise<Heartbeat | undefined | AsyncClientError> {
  const path = heartbeatPath(channel);
  try {
    return parseHeartbeat(await readSmall(folder, path), path);
  } catch (error) {
    if (errorCode(error) === 'E_FOLDER_NOT_FOUND') return undefined;
    if (error instanceof AsyncClientError && error.code.startsWith('E_HEARTBEAT_')) return error;
    throw error;
  }
}

export function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h ${minutes % 60}m` : `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/**
 * Reads one store with one listing (its download area) and one read (its heartbeat); only a
 * store without a heartbeat costs a few more reads, of its waiting packages' status reports.
 * A heartbeat that cannot be read is shown as the store's problem, never thrown; folder
 * errors are thrown.
 */
export async function readStore(folder: WorkingFolder, channel: string, options: StoreReadOptions): Promise<StoreView> {
  const areas = channelFolders(channel);
  const [files, heartbeat] = await Promise.all([folder.list(areas.download), readHeartbeat(folder, channel)]);
  const dropped = files
    .map((file) => parsePackageFileName(file.name))
    .filter((name) => name !== undefined && name.channelId === channel && name.direction === 'download')
    .map((name) => name?.sequence as number);
  const newestWaiting = dropped.length === 0 ? undefined : Math.max(...dropped);

  if (!(heartbeat !== undefined && !(heartbeat instanceof AsyncClientError))) {
    const reports = await statusReports(folder, channel, dropped.sort((a, b) => a - b).slice(0, STATUS_REPORTS_READ));
    const suspended = reports.filter((report) => report.status === 'Suspended');
    const notes = [
      heartbeat === undefined ? 'never seen: no heartbeat.json yet' : `heartbeat unreadable: ${heartbeat.message}`,
      ...suspended.map((report) => `sequence ${report.sequence} Suspended: ${report.message ?? ''}`),
      ...(dropped.length > 0 ? [`${dropped.length} packages waiting in download/`] : []),
    ];
    return {
      channel,
      state: suspended.length > 0 ? 'suspended' : heartbeat === undefined ? 'never-seen' : 'unreadable',
      needsAttention: true,
      notes,
      lastSeen: null,
      silentSeconds: null,
      clientVersion: null,
      profile: null,
      hqProfile: null,
      appliedThrough: null,
      newestDropped: newestWaiting ?? null,
      behind: null,
      lastUpload: null,
      suspended: suspended.map((report) => ({ sequence: report.sequence, message: report.message })),
    };
  }

  const { download, upload } = heartbeat;
  const silentSeconds = Math.max(0, (options.now.getTime() - Date.parse(heartbeat.writtenAt)) / 1000);
  const longestInterval = Math.max(heartbeat.profile.downloadIntervalMinutes, heartbeat.profile.uploadIntervalMinutes);
  const silentAfterMinutes = options.silentAfterMinutes ?? Math.max(15, 3 * longestInterval);
  const newestDropped = Math.max(download.appliedThrough, newestWaiting ?? 0);
  const suspended = download.waiting.filter((waiting) => waiting.status === 'Suspended');
  const failing = download.waiting.filter((waiting) => waiting.status === 'ApplyFailed');
  const states: StoreState[] = [];
  const notes: string[] = [];
  if (suspended.length > 0) {
    states.push('suspended');
    notes.push(...suspended.map((waiting) => `sequence ${waiting.sequence} Suspended: ${waiting.message ?? ''}`));
  }
  if (silentSeconds > silentAfterMinutes * 60) {
    states.push('silent');
    notes.push(`silent for ${formatAge(silentSeconds)} (heartbeat expected at least every ${silentAfterMinutes}m)`);
  }
  for (const waiting of failing) notes.push(`sequence ${waiting.sequence} ApplyFailed (try ${waiting.tries}): ${waiting.message ?? ''}`);
  if (upload.failed > 0) notes.push(`${upload.failed} upload(s) UploadFailed`);
  for (const cycle of [download, upload]) {
    if (cycle.last?.outcome === 'error')
      notes.push(`last ${cycle === download ? 'download' : 'upload'} cycle failed: ${cycle.last.summary}`);
  }
  // A profile HQ published that the store refuses is HQ's to fix (1.0 heartbeats say nothing of it).
  const hqCheck = heartbeat.hqProfile?.lastCheck;
  const hqRefused = hqCheck?.outcome === 'refused';
  if (hqRefused) notes.push(`HQ profile refused (${hqCheck.code ?? 'no code'}): ${hqCheck.problems?.[0] ?? ''}`);
  if (failing.length > 0 || upload.failed > 0 || download.last?.outcome === 'error' || upload.last?.outcome === 'error' || hqRefused)
    states.push('failing');
  const behind = newestDropped - download.appliedThrough;
  if (behind > 0) {
    states.push('behind');
    notes.push(`${behind} packages behind`);
  }
  const state = STORE_STATES.find((candidate) => states.includes(candidate)) ?? 'ok';
  return {
    channel,
    state,
    needsAttention: !FINE.includes(state),
    notes,
    lastSeen: heartbeat.writtenAt,
    silentSeconds,
    clientVersion: heartbeat.clientVersion ?? null,
    profile: heartbeat.profile.name,
    hqProfile: hqProfileOf(heartbeat),
    appliedThrough: download.appliedThrough,
    newestDropped,
    behind,
    lastUpload: upload.lastSequence === null ? null : { sequence: upload.lastSequence, status: upload.lastStatus ?? '', at: upload.lastAt },
    suspended: suspended.map((waiting) => ({ sequence: waiting.sequence, message: waiting.message })),
  };
}

function hqProfileOf(heartbeat: Heartbeat): StoreView['hqProfile'] {
  const running = heartbeat.hqProfile?.running;
  return running === null || running === undefined ? null : { name: running.name, publication: publicationOf(running) };
}

/** The status reports of the given waiting sequences that can be read; the others are skipped. */
async function statusReports(folder: WorkingFolder, channel: string, sequences: readonly number[]): Promise<PackageStatusReport[]> {
  const areas = channelFolders(channel);
  const reports = await Promise.all(
    sequences.map(async (sequence) => {
      const name = packageFileName({ channelId: channel, direction: 'download', sequence });
      try {
        const report = JSON.parse((await readSmall(folder, statusReportPath(areas, name))).toString('utf8')) as PackageStatusReport;
        return typeof report?.status === 'string' ? report : undefined;
      } catch (error) {
        if (errorCode(error).startsWith('E_FOLDER_') && errorCode(error) !== 'E_FOLDER_NOT_FOUND') throw error;
        return undefined;
      }
    }),
  );
  return reports.filter((report) => report !== undefined);
}

/** A store whose folder could not be read at all: shown with the reason, among the others. */
export function unreadableStore(channel: string, error: unknown): StoreView {
  return {
    channel,
    state: 'unreadable',
    needsAttention: true,
    notes: [`cannot read the store's folder: ${errorCode(error)}: ${errorMessage(error)}`],
    lastSeen: null,
    silentSeconds: null,
    clientVersion: null,
    profile: null,
    hqProfile: null,
    appliedThrough: null,
    newestDropped: null,
    behind: null,
    lastUpload: null,
    suspended: [],
  };
}
