import { AsyncClientError } from '../errors.js';
import { HEARTBEAT_FORMAT, type Heartbeat } from './heartbeat.js';

const SUPPORTED_MAJOR = 1;
const VERSION = /^(\d{1,6})\.(\d{1,6})$/;

function unreadable(where: string, problem: string): AsyncClientError {
  return new AsyncClientError('E_HEARTBEAT_CORRUPT', `${where}: ${problem}`, { where });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a store's heartbeat.json as HQ finds it: any 1.x (members it does not know are
 * ignored). A truncated file or one that is not a heartbeat is E_HEARTBEAT_CORRUPT, a newer
 * major version E_HEARTBEAT_VERSION; both name the file and what is wrong.
 */
export function parseHeartbeat(bytes: Buffer, where: string): Heartbeat {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw unreadable(where, bytes.length === 0 ? 'the file is empty' : 'not JSON (truncated, or written by something else)');
  }
  if (!isObject(parsed) || parsed.format !== HEARTBEAT_FORMAT) throw unreadable(where, `not an ${HEARTBEAT_FORMAT} file`);
  const version = typeof parsed.formatVersion === 'string' ? VERSION.exec(parsed.formatVersion) : null;
  if (version === null) throw unreadable(where, `formatVersion ${JSON.stringify(parsed.formatVersion)} is not MAJOR.MINOR`);
  if (Number(version[1]) !== SUPPORTED_MAJOR) {
    throw new AsyncClientError(
      'E_HEARTBEAT_VERSION',
      `${where}: heartbeat format ${String(parsed.formatVersion)} is newer than this async-client reads (${SUPPORTED_MAJOR}.x); upgrade async-client at HQ`,
      { where, version: parsed.formatVersion },
    );
  }
  const { download, upload, profile } = parsed;
  const problems = [
    typeof parsed.channelId === 'string' ? '' : 'channelId',
    typeof parsed.writtenAt === 'string' && !Number.isNaN(Date.parse(parsed.writtenAt)) ? '' : 'writtenAt',
    isObject(profile) && typeof profile.name === 'string' ? '' : 'profile',
    isObject(download) && Number.isSafeInteger(download.appliedThrough) && Array.isArray(download.waiting) ? '' : 'download',
    isObject(upload) && Number.isSafeInteger(upload.failed) ? '' : 'upload',
  ].filter((name) => name !== '');
  if (problems.length > 0) throw unreadable(where, `missing or malformed: ${problems.join(', ')}`);
  return parsed as unknown as Heartbeat;
}
