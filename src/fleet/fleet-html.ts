import { fleetSummary, hqProfilesSummary, storeCells } from './fleet-text.js';
import type { FleetView } from './fleet-view.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] as string);
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f4f4f4;position:sticky;top:0}tr.attention td:first-child{font-weight:bold}
tr[data-state=suspended],tr[data-state=unreadable],tr[data-state=silent]{background:#fde8e8}
tr[data-state=failing],tr[data-state=never-seen]{background:#fff4e0}td.number{text-align:right}`;

/**
 * The fleet as one static HTML page (no script, no external resource) that an HQ web server can
 * serve as is: the same rows as the text view, worst first, in a table with id "fleet".
 */
export function renderFleetHtml(fleet: FleetView): string {
  const rows = fleet.stores.map((store) => {
    const cells = storeCells(store);
    const notes = store.notes.map((note) => `<div>${escapeHtml(note)}</div>`).join('');
    return `<tr data-store="${escapeHtml(store.channel)}" data-state="${store.state}"${store.needsAttention ? ' class="attention"' : ''}><td>${escapeHtml(store.state)}</td><td>${escapeHtml(store.channel)}</td><td>${escapeHtml(cells.seen)}</td><td class="number">${escapeHtml(cells.applied)}</td><td class="number">${escapeHtml(cells.behind)}</td><td>${escapeHtml(cells.upload)}</td><td>${escapeHtml(cells.hqProfile)}</td><td>${notes}</td></tr>`;
  });
  const hqProfiles = hqProfilesSummary(fleet);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Fleet status</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Fleet status</h1>
<p id="summary">${escapeHtml(fleetSummary(fleet))}</p>${hqProfiles === null ? '' : `\n<p id="hq-profiles">${escapeHtml(hqProfiles)}</p>`}
<p>Working folder ${escapeHtml(fleet.folder)}, read at <time datetime="${fleet.readAt}">${fleet.readAt}</time>.</p>
<table id="fleet">
<thead><tr><th>State</th><th>Store</th><th>Last seen</th><th>Applied</th><th>Behind</th><th>Last upload</th><th>HQ profile</th><th>Notes</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</body>
</html>
`;
}
