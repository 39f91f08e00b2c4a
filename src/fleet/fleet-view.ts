import { concurrently } from '../concurrently.js';
import { CHANNEL_ID_PATTERN } from '../package/file-name.js';
import { PROFILES_FOLDER } from '../profile/hq/published-files.js';
import type { WorkingFolder } from '../workfolder/working-folder.js';
import { readStore, STORE_STATES, unreadableStore, type StoreReadOptions, type StoreState, type StoreView } from './store-view.js';

/** Every store of a working folder, worst first. */
export interface FleetView {
  readonly folder: string;
  /** When HQ read the fleet (HQ's clock). */
  readonly readAt: string;
  readonly stores: readonly StoreView[];
  readonly counts: Readonly<Record<StoreState, number>>;
  /** Stores that need someone. */
  readonly attention: number;
}

export interface FleetReadOptions extends StoreReadOptions {
  /** Stores read at once: each costs one listing and one read, so latency, not bandwidth, bounds a large fleet. */
  readonly concurrency: number;
}

/** The working folder's top-level folders that are stores: every channel-id-named folder but HQ's own `profiles/`. */
async function storeFolders(folder: WorkingFolder): Promise<string[]> {
  return (await folder.listFolders('')).filter((name) => name !== PROFILES_FOLDER && CHANNEL_ID_PATTERN.test(name));
}

export async function readFleet(folder: WorkingFolder, options: FleetReadOptions): Promise<FleetView> {
  const channels = await storeFolders(folder);
  const results = await concurrently(channels, options.concurrency, (channel) => readStore(folder, channel, options));
  const stores = results.map((result, index) =>
    result.status === 'fulfilled' ? result.value : unreadableStore(channels[index] as string, result.reason),
  );
  stores.sort(worstFirst);
  const counts = Object.fromEntries(STORE_STATES.map((state) => [state, stores.filter((store) => store.state === state).length]));
  return {
    folder: folder.describe(),
    readAt: options.now.toISOString(),
    stores,
    counts: counts as Record<StoreState, number>,
    attention: stores.filter((store) => store.needsAttention).length,
  };
}

/** By state, then the furthest behind, then the longest silent, then by channel. */
function worstFirst(a: StoreView, b: StoreView): number {
  return (
    STORE_STATES.indexOf(a.state) - STORE_STATES.indexOf(b.state) ||
    (b.behind ?? 0) - (a.behind ?? 0) ||
    (b.silentSeconds ?? 0) - (a.silentSeconds ?? 0) ||
    (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0)
  );
}
