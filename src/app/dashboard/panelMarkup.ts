// The run panel's first screen as HTML, written by the host into the webview's page itself, so a
// long run's first rows are on screen as soon as the page is parsed, before the webview's script
// has loaded (most of the wait in a cold panel). The script then takes the page over and the rest
// of the rows follow as messages. Every text here may come from a model: all of it is escaped.
import type { EventRow } from '../../protocol/messages';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export interface PanelFirstScreen {
  readonly runId: string;
  readonly objective: string;
  readonly status: string;
  readonly total: number;
  readonly rows: readonly EventRow[];
}

/** The same structure the webview's RunPanelView draws (header, "Events (n of total)", the rows), static. */
export function panelFirstScreen(p: PanelFirstScreen): string {
  const count = p.rows.length >= p.total ? `(${p.total})` : `(${p.rows.length} of ${p.total}, loading…)`;
  const row = (r: EventRow) =>
    `<div class="row t-${escapeHtml(r.type.split('.')[0]!)}" role="listitem" title="${escapeHtml(r.summary)}"><span class="seq">${r.seq}</span><span class="time">${escapeHtml(new Date(r.ts).toLocaleTimeString())}</span><span class="type">${escapeHtml(r.type)}</span><span class="sum">${escapeHtml(r.summary)}</span></div>`;
  return (
    `<header class="panel-head"><h2>${escapeHtml(p.objective || p.runId)}</h2><span class="status ${escapeHtml(p.status)}">${escapeHtml(p.status)}</span></header>` +
    `<div class="panel-body"><section class="log-col"><h3>Events <span class="muted" id="event-count">${escapeHtml(count)}</span></h3>` +
    `<div class="log vlist" id="event-log" role="list"><div><div class="vlist-rows">${p.rows.map(row).join('')}</div></div></div></section></div>`
  );
}
