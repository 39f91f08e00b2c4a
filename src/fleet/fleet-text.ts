import type { FleetView } from './fleet-view.js';
import { formatAge, STORE_STATES, type StoreView } from './store-view.js';

/** The cells of one store's line, shared by the text and the HTML view. */
export function storeCells(store: StoreView): {
  seen: string;
  applied: string;
  behind: string;
  upload: string;
  hqProfile: string;
} {
  return {
    hqProfile: store.hqProfile === null ? '-' : hqProfileLabel(store.hqProfile),
    seen: store.silentSeconds === null ? 'never' : `${formatAge(store.silentSeconds)} ago`,
    applied: store.appliedThrough === null ? '-' : `${store.appliedThrough} of ${store.newestDropped ?? store.appliedThrough}`,
    behind: store.behind === null ? '-' : String(store.behind),
    upload:
      store.lastUpload === null
        ? '-'
        : `${store.lastUpload.sequence} ${store.lastUpload.status}${store.lastUpload.at === null ? '' : ` ${store.lastUpload.at}`}`,
  };
}

function hqProfileLabel({ name, publication }: { readonly name: string; readonly publication: string | null }): string {
  return publication === null ? name : `${name} ${publication}`;
}

/** `2000 stores: 1990 ok, 6 behind, 3 silent, 1 suspended; 4 need someone` */
export function fleetSummary(fleet: FleetView): string {
  const parts = STORE_STATES.filter((state) => fleet.counts[state] > 0).map((state) => `${fleet.counts[state]} ${state}`);
  return `${fleet.stores.length} stores: ${parts.join(', ') || 'none'}; ${fleet.attention} need${fleet.attention === 1 ? 's' : ''} someone`;
}

/** `HQ profiles: standard revision 1764720000000 on 1990 stores, standard revision 1764633600000 on 4`; null when none runs. */
export function hqProfilesSummary(fleet: FleetView): string | null {
  if (fleet.hqProfiles.length === 0) return null;
  const parts = fleet.hqProfiles.map(
    (tally, i) => `${hqProfileLabel(tally)} on ${tally.stores}${i === 0 ? ` store${tally.stores === 1 ? '' : 's'}` : ''}`,
  );
  return `HQ profiles: ${parts.join(', ')}`;
}

/** One line per store, worst first, under a header; the summary last. */
export function renderFleetText(fleet: FleetView): string {
  const header = ['STATE', 'STORE', 'LAST SEEN', 'APPLIED', 'BEHIND', 'LAST UPLOAD', 'HQ PROFILE', 'NOTES'];
  const rows = fleet.stores.map((store) => {
    const cells = storeCells(store);
    return [store.state, store.channel, cells.seen, cells.applied, cells.behind, cells.upload, cells.hqProfile, store.notes.join('; ')];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] as number)))
      .join('  ')
      .trimEnd();
  const summaries = [fleetSummary(fleet), hqProfilesSummary(fleet)].filter((summary) => summary !== null);
  return `${[line(header), ...rows.map(line), ...summaries].join('\n')}\n`;
}
