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
  /** Each HQ profile publication that runs somewhere, and on how many stores: most first. */
  readonly hqProfiles: readonly HqProfileTally[];
}

export interface HqProfileTally {
  readonly name: string;
  readonly publication: string | null;
  readonly stores: number;
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
    hqProfiles: tallyHqProfiles(stores),
  };
}

/** After a publication, HQ watches the new revision spread: the stores still on another one stand out. */
function tallyHqProfiles(stores: readonly StoreView[]): HqProfileTally[] {
  const tallies = new Map<string, HqProfileTally>();
  for (const { hqProfile } of stores) {
    if (hqProfile === null) continue;
    const key = JSON.stringify([hqProfile.name, hqProfile.publication]);
    const tally = tallies.get(key);
    tallies.set(key, { ...hqProfile, stores: (tally?.stores ?? 0) + 1 });
  }
  return [...tallies.values()].sort((a, b) => b.stores - a.stores || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
