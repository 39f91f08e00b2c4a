import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HEARTBEAT_FORMAT, HEARTBEAT_VERSION, type Heartbeat, type WaitingPackage } from '../../src/fleet/heartbeat.js';

/** A heartbeat as a store would write it, `ageMinutes` before `now`. */
export function heartbeatOf(
  channelId: string,
  now: Date,
  options: { ageMinutes?: number; appliedThrough?: number; waiting?: WaitingPackage[]; uploadFailed?: number } = {},
): Heartbeat {
  const { ageMinutes = 1, appliedThrough = 5, waiting = [], uploadFailed = 0 } = options;
  return {
    format: HEARTBEAT_FORMAT,
    formatVersion: HEARTBEAT_VERSION,
    channelId,
    writtenAt: new Date(now.getTime() - ageMinutes * 60_000).toISOString(),
    clientVersion: '0.1.0',
    profile: { name: 'Store default', downloadIntervalMinutes: 15, uploadIntervalMinutes: 15 },
    hqProfile: { running: null, lastCheck: null },
    download: { schedule: 'every 15 minutes', last: null, nextRun: null, appliedThrough, waitingCount: waiting.length, waiting },
    upload: {
      schedule: 'every 15 minutes',
      last: null,
      nextRun: null,
      lastSequence: 3,
      lastStatus: 'Uploaded',
      lastAt: null,
      failed: uploadFailed,
    },
  };
}

/** Writes a store folder as the store and HQ would leave it: heartbeat (object or raw text), packages waiting, status reports. */
export async function plantStore(
  root: string,
  channel: string,
  store: { heartbeat?: Heartbeat | string; waiting?: number[]; reports?: Record<number, object> },
): Promise<void> {
  const download = path.join(root, channel, 'download');
  await mkdir(path.join(download, 'status'), { recursive: true });
  if (store.heartbeat !== undefined) {
    const text = typeof store.heartbeat === 'string' ? store.heartbeat : JSON.stringify(store.heartbeat);
    await writeFile(path.join(root, channel, 'heartbeat.json'), text);
  }
  for (const sequence of store.waiting ?? []) {
    await writeFile(path.join(download, `${channel}_download_${String(sequence).padStart(12, '0')}.acpkg`), 'package bytes');
  }
  for (const [sequence, report] of Object.entries(store.reports ?? {})) {
    const name = `${channel}_download_${String(sequence).padStart(12, '0')}.acpkg`;
    await writeFile(
      path.join(download, 'status', `${name}.json`),
      JSON.stringify({ package: name, sequence: Number(sequence), ...report }),
    );
  }
}
