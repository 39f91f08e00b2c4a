import { CYCLE_DIRECTIONS } from '../profile/cycle-schedule.js';
import { type DaemonView, describeCycleHealth, readableTime, type StoreStatus } from './store-status.js';

/** The page reloads itself this often: a store's screen left open stays current without JavaScript. */
export const STATUS_PAGE_REFRESH_SECONDS = 30;

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function html(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

function daemonSection(daemon: DaemonView): string {
  if (daemon.state !== 'answering') return '';
  const rows = CYCLE_DIRECTIONS.map(
    (direction) => `<tr><th scope="row">${direction}</th><td>${html(describeCycleHealth(daemon.health.cycles[direction]))}</td></tr>`,
  );
  return `<h2>Daemon: ${html(daemon.health.state)}</h2>
<table>${rows.join('')}</table>`;
}

function downloadSection(status: StoreStatus): string {
  const { download } = status;
  const waiting =
    download.waiting.length === 0
      ? '<p>Nothing waiting.</p>'
      : `<table><tr><th>sequence</th><th>status</th><th>tries</th><th>message</th></tr>${download.waiting
          .map((w) => `<tr><td>${w.sequence}</td><td>${html(w.status)}</td><td>${w.tries}</td><td>${html(w.message ?? '')}</td></tr>`)
          .join('')}</table>`;
  return `<h2>Download</h2>
<p>Applied through sequence ${download.appliedThrough} (last applied ${html(readableTime(download.lastAppliedAt))}); ${download.waiting.length} waiting.</p>
${waiting}`;
}

function uploadSection(status: StoreStatus): string {
  const { upload } = status;
  const last =
    upload.lastSequence === null
      ? 'Nothing published yet.'
      : `Last sequence ${upload.lastSequence}, ${html(upload.lastStatus ?? '')} (${html(readableTime(upload.lastAt))}).`;
  return `<h2>Upload</h2>
<p>${last} ${upload.failed} failed.</p>`;
}

function attentionSection(status: StoreStatus): string {
  if (status.attention.length === 0) return '<h2>Attention</h2>\n<p>Nothing needs an operator.</p>';
  const items = status.attention.map((item) => `<li>${html(item.problem)}<br>Fix: <code>${html(item.fix)}</code></li>`);
  return `<h2>Attention</h2>\n<ul class="attention">${items.join('')}</ul>`;
}

/**
 * The daemon's status page (`GET /` on the health server): the same facts as `async-client
 * status`, server-rendered, no script and no build step; it refreshes itself.
 */
export function renderStatusPage(status: StoreStatus, renderedAt: Date): string {
  const title = `${status.channel} (${status.profile})`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="${STATUS_PAGE_REFRESH_SECONDS}">
<title>async-client: ${html(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 60rem; }
table { border-collapse: collapse; } th, td { text-align: left; padding: 0.2rem 0.8rem 0.2rem 0; vertical-align: top; }
.attention li { margin-bottom: 0.5rem; } code { background: #eee; padding: 0 0.2rem; }
</style>
</head>
<body>
<h1>${html(title)}</h1>
${attentionSection(status)}
${daemonSection(status.daemon)}
${downloadSection(status)}
${uploadSection(status)}
<p><small>As of ${html(readableTime(renderedAt))}; this page reloads every ${STATUS_PAGE_REFRESH_SECONDS} seconds. JSON: <a href="/healthz">/healthz</a>, metrics: <a href="/metrics">/metrics</a>.</small></p>
</body>
</html>
`;
}
