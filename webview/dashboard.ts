// The sidebar dashboard: drawn whole from the host's state (small, at most ~7 times a second).
import type { CurrentRun, DashboardState, HostMessage, TeamView, WebviewCommand } from '../src/protocol/messages';
import { costLine, tokenBars } from './charts';
import { ChatBoxView } from './chatBox';
import { h, icon, svg, usd } from './dom';
import { send } from './host';

const cmd = (command: WebviewCommand, extra: { runId?: string; patchId?: string } = {}) => () => send({ type: 'command', command, ...extra });

function button(label: string, command: WebviewCommand, opts: { secondary?: boolean; icon?: string; runId?: string; patchId?: string; disabled?: boolean } = {}): HTMLElement {
  return h('vscode-button', { secondary: opts.secondary, icon: opts.icon, disabled: opts.disabled, onclick: cmd(command, { ...(opts.runId ? { runId: opts.runId } : {}), ...(opts.patchId ? { patchId: opts.patchId } : {}) }) }, label);
}

let box: ChatBoxView | undefined;
const rest = document.createElement('div');

/** The box is built once and kept; the rest is drawn again from each state. */
export function renderDashboard(root: HTMLElement, s: DashboardState): void {
  if (!box) {
    box = new ChatBoxView();
    rest.id = 'dashboard';
    root.replaceChildren(box.element, rest);
  }
  box.update(s.chat, s.running);
  drawDashboard(rest, s);
}

/** Host messages for the box (mention results, a send taken or refused). */
export function dashboardMessage(m: HostMessage): void {
  box?.handle(m);
}

/** The next objective follows up this run: the box says so and takes the focus. */
function followUp(runId: string): () => void {
  return () => {
    send({ type: 'chat/followUp', runId });
    box?.focus();
  };
}

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

function drawDashboard(root: HTMLElement, s: DashboardState): void {
  const missingKeys = s.keys.every((k) => !k.hasKey);
  const parts: (HTMLElement | null)[] = [
    h('section', { class: 'actions' },
      // the run's last event can reach the page before the host says no run is going: nothing to cancel then
      s.running && !FINISHED.has(s.current?.status ?? '') ? button('Cancel Run', 'cancelRun', { icon: 'debug-stop', secondary: true }) : null,
      button('Settings', 'openSettings', { icon: 'gear', secondary: true }),
    ),
    !s.trusted ? h('p', { class: 'note' }, icon('shield'), ' Restricted mode: changes are proposed, never applied; no check command runs.') : null,
    missingKeys ? h('p', { class: 'note' }, icon('key'), ' No API key set. ', h('a', { href: '#', onclick: cmd('setApiKey') }, 'Set API Key')) : null,
    s.review ? reviewBar(s.review, s.canRollback) : s.canRollback ? h('section', { class: 'actions' }, button('Rollback Run', 'rollbackRun', { icon: 'discard', secondary: true })) : null,
    s.current ? currentRun(s.current, s.running) : h('p', { class: 'empty' }, 'No run yet. Run an objective to see the agents at work.'),
    runList(s),
    s.team ? teamRuns(s.team) : null,
  ];
  root.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
}

/** Runs on the team's Redis, from every machine: read-only; a click follows one's events. */
function teamRuns(t: TeamView): HTMLElement {
  return h('section', { class: 'team', id: 'team-runs' },
    h('h3', {}, icon('organization'), ' Team runs'),
    h('p', { class: 'muted' }, t.url, t.bus.state === 'degraded' ? h('span', { class: 'warn' }, ` · team bus degraded (${t.bus.reason}): retrying`) : ''),
    t.runs.length === 0 ? h('p', { class: 'empty' }, 'No team run yet: runs started with the team\'s Redis appear here as they start.') : null,
    h('ul', { class: 'runs' }, ...t.runs.map((r) =>
      h('li', { 'data-run': r.runId, 'data-status': r.status, class: t.followed?.runId === r.runId ? 'selected' : '' },
        h('a', { href: '#', title: r.objective, onclick: cmd('followTeamRuns', { runId: r.runId }) }, statusIcon(r.status), ` ${r.objective.slice(0, 120)}`),
        h('div', { class: 'muted' }, `${r.host} · ${r.workspace} · ${when(r.updatedAt)}`),
      ))),
  );
}

function reviewBar(r: NonNullable<DashboardState['review']>, canRollback: boolean): HTMLElement {
  return h('section', { class: 'review', id: 'review' },
    h('h3', {}, icon('diff'), ' Review'),
    h('p', {}, `${r.pending} pending · ${r.accepted} accepted · ${r.rejected} rejected${r.conflict ? ` · ${r.conflict} conflict` : ''}`),
    h('div', { class: 'actions' },
      button('Accept All', 'acceptAll', { icon: 'check-all', disabled: r.pending === 0 }),
      button('Reject All', 'rejectAll', { icon: 'close-all', secondary: true, disabled: r.pending === 0 }),
      button('Rollback', 'rollbackRun', { icon: 'discard', secondary: true, disabled: !canRollback, runId: r.runId }),
    ),
  );
}

function currentRun(c: CurrentRun, running: boolean): HTMLElement {
  const interrupted = !running && (c.status === 'running' || c.status === 'paused' || c.status === 'pending');
  const budget = c.budgetUsd;
  const share = budget ? Math.min(1, c.spentUsd / budget) : 0;
  const nothing = c.status === 'completed' && c.forReview === 0;
  return h('section', { class: 'current', id: 'current-run', 'data-status': c.status, 'data-outcome': nothing ? 'nothing' : c.status },
    // a long objective is clamped to three lines; the whole of it is in the tooltip
    h('h3', { class: 'objective', title: c.objective.slice(0, 4000) }, nothing ? icon('warning') : statusIcon(c.status), ` ${c.objective.slice(0, 400)}`),
    h('p', { class: 'muted when' }, [c.startedAt ? `started ${when(c.startedAt)}` : '', outcomeText(c.status, c.forReview)].filter(Boolean).join(' · ')),
    c.problem ? h('p', { class: 'note warn', id: 'run-problem' }, icon('warning'), ` ${c.problem}`) : null,
    h('div', { class: 'cost' },
      h('span', { id: 'cost-spent' }, `${usd(c.spentUsd)} spent`),
      budget ? h('span', { class: 'muted' }, ` of ${usd(budget)} budget`) : null,
      // money set aside for calls still in flight; after the run there is none to speak of
      running && c.reservedUsd > 0 ? h('span', { class: 'muted' }, ` (+${usd(c.reservedUsd)} set aside for calls in flight)`) : null,
      budget ? h('div', { class: 'meter', role: 'meter', 'aria-valuenow': Math.round(share * 100), 'aria-valuemin': 0, 'aria-valuemax': 100 }, meterFill(share)) : null,
    ),
    c.error && c.status !== 'cancelled' ? h('p', { class: 'error' }, c.error) : null,
    h('div', { class: 'actions' },
      button('Show Run', 'showRun', { icon: 'pulse', secondary: true, runId: c.runId }),
      // a run that is not ending and not going here stopped mid-way (the window closed): it can go on
      interrupted ? button('Resume Run', 'resumeRun', { icon: 'debug-continue', runId: c.runId }) : null,
      !running && FINISHED.has(c.status) ? h('vscode-button', { secondary: true, icon: 'reply', id: 'follow-up-current', title: 'Ask for more on top of this run: the next objective is given its objective and what came of it', onclick: followUp(c.runId) }, 'Follow Up') : null,
    ),
    h('h4', {}, 'Agents'),
    h('ol', { class: 'timeline', id: 'timeline' }, ...c.agents.map((a) =>
      h('li', { class: `agent ${a.status}`, 'data-call': a.callId },
        h('div', { class: 'agent-head' }, statusIcon(a.status), ` ${a.role} · ${a.taskId} · `, h('span', { class: 'muted' }, `${a.provider}/${a.model}`), h('span', { class: 'right muted' }, `${a.tokens} tokens · ${usd(a.costUsd)}`)),
        a.outcome ? h('p', { class: a.status === 'failed' ? 'outcome error' : 'outcome' }, a.outcome) : a.streamTail ? h('pre', { class: 'tail' }, a.streamTail.slice(-240)) : null,
      ))),
    c.quality.length ? qualityTable(c) : null,
    h('h4', {}, 'Cost over time'), costChart(c),
    h('h4', {}, 'Tokens by agent role'), tokensChart(c),
    c.perf.length ? perfTable(c) : null,
  );
}

/** "Nov 29, 18:40" (today: "18:40"), in the user's locale. */
function when(ms: number): string {
  const d = new Date(ms);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function outcomeText(status: string, forReview: number | undefined): string {
  if (status === 'completed') return forReview === undefined ? 'finished' : forReview > 0 ? `${forReview} patch(es) passed review` : 'nothing to review';
  return { running: 'running', pending: 'starting', paused: 'paused', failed: 'failed', cancelled: 'cancelled' }[status] ?? status;
}

function meterFill(share: number): HTMLElement {
  const fill = h('div', { class: share >= 0.9 ? 'fill hot' : 'fill' });
  fill.style.width = `${Math.round(share * 100)}%`;
  return fill;
}

function qualityTable(c: CurrentRun): HTMLElement {
  return h('div', {}, h('h4', {}, 'Quality'), h('table', { class: 'grid', id: 'quality' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Patch'), h('th', {}, 'Reviews'), h('th', {}, 'Decision'), h('th', {}, ''))),
    h('tbody', {}, ...c.quality.map((q) => h('tr', {},
      h('td', { title: q.patchId }, q.taskTitle),
      h('td', {}, q.reviews.map((r) => `${r.verdict === 'approve' ? '✓' : '✗'} ${r.score.toFixed(2)}`).join(' ') || '—'),
      h('td', {}, q.decision ?? q.status),
      h('td', {}, q.pendingHunks ? h('a', { href: '#', onclick: cmd('reviewPatch', { patchId: q.patchId }) }, `review ${q.pendingHunks}`) : ''),
    )))));
}

function perfTable(c: CurrentRun): HTMLElement {
  // four columns that fit the default sidebar; the model name wraps, and its role, latency and the
  // router's share of choices go on a second line under it (and in the tooltip)
  return h('div', {}, h('h4', {}, 'Models'), h('table', { class: 'grid perf', id: 'perf' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Model'), h('th', { class: 'num' }, 'Calls'), h('th', { class: 'num' }, 'Cost'), h('th', { class: 'num', title: 'average review score of its patches, 0 to 1' }, 'Score'))),
    h('tbody', {}, ...c.perf.map((p) => {
      const detail = [p.role ?? '', `p50 ${seconds(p.p50Ms ?? p.avgMs)} s`, p.p95Ms != null ? `p95 ${seconds(p.p95Ms)} s` : '', p.routerShare != null ? `picked ${Math.round(p.routerShare * 100)}% of the time` : ''].filter(Boolean).join(' · ');
      return h('tr', { title: `${p.provider}/${p.model}: ${p.calls} call(s), ${p.failed} failed; ${detail}` },
        h('td', { class: 'model' }, h('span', { class: 'muted' }, `${p.provider}/`), p.model, h('div', { class: 'muted detail-line' }, detail)),
        h('td', { class: 'num' }, p.failed ? `${p.calls} (${p.failed} failed)` : p.calls),
        h('td', { class: 'num' }, usd(p.costUsd)),
        h('td', { class: 'num' }, p.avgScore === null ? '—' : p.avgScore.toFixed(2)),
      );
    }))));
}

function seconds(ms: number | null): string {
  return ms === null ? '—' : (ms / 1000).toFixed(1);
}

const CHART_W = 260;

function costChart(c: CurrentRun): SVGElement {
  const left = 44;
  const bottom = 16;
  const plotW = CHART_W - left - 6;
  const plotH = 70;
  const chart = costLine(c.costSeries, plotW, plotH, c.budgetUsd);
  const last = c.costSeries[c.costSeries.length - 1];
  return svg('svg', { viewBox: `0 0 ${CHART_W} ${plotH + bottom + 4}`, class: 'chart', id: 'cost-chart', role: 'img', 'aria-label': `cost over time: ${usd(c.spentUsd)} after ${chart.maxX.toFixed(0)} s${c.budgetUsd ? `, budget ${usd(c.budgetUsd)}` : ''}` },
    svg('g', { transform: `translate(${left} 2)` },
      svg('line', { x1: 0, x2: 0, y1: 0, y2: plotH, class: 'axis' }),
      svg('line', { x1: 0, x2: plotW, y1: plotH, y2: plotH, class: 'axis' }),
      ...(chart.budgetY !== undefined ? [svg('line', { x1: 0, x2: plotW, y1: chart.budgetY, y2: chart.budgetY, class: 'budget' }), svg('text', { x: plotW, y: Math.max(8, chart.budgetY - 2), class: 'label end budget-label' }, `budget ${usd(c.budgetUsd)}`)] : []),
      svg('path', { d: chart.path, class: 'line' }),
      ...(last ? [svg('text', { x: plotW, y: Math.min(plotH - 2, Math.max(8, plotH - (last.usd / chart.maxY) * plotH - 3)), class: 'label end value' }, usd(last.usd))] : []),
    ),
    svg('text', { x: left - 3, y: 10, class: 'label end axis-label' }, usd(chart.maxY)),
    svg('text', { x: left - 3, y: plotH + 2, class: 'label end axis-label' }, '$0'),
    svg('text', { x: left, y: plotH + bottom, class: 'label axis-label' }, '0 s'),
    svg('text', { x: left + plotW, y: plotH + bottom, class: 'label end axis-label' }, `${chart.maxX.toFixed(0)} s`),
  );
}

function tokensChart(c: CurrentRun): SVGElement {
  const barW = 120;
  const bars = tokenBars(c.tokensByRole, barW);
  const row = 16;
  const legendH = 16;
  return svg('svg', { viewBox: `0 0 ${CHART_W} ${legendH + Math.max(row, bars.length * row)}`, class: 'chart', id: 'tokens-chart', role: 'img', 'aria-label': `tokens by agent role: ${bars.map((b) => `${b.label} ${b.total}`).join(', ')}` },
    svg('g', { class: 'legend' },
      svg('rect', { x: 70, y: 3, width: 9, height: 9, class: 'input' }), svg('text', { x: 82, y: 11, class: 'label' }, 'input'),
      svg('rect', { x: 120, y: 3, width: 9, height: 9, class: 'output' }), svg('text', { x: 132, y: 11, class: 'label' }, 'output'),
    ),
    ...bars.flatMap((b, i) => {
      const y = legendH + i * row;
      const r = c.tokensByRole[i]!;
      return [
        svg('text', { x: 0, y: y + 11, class: 'label' }, b.label),
        svg('rect', { x: 70, y: y + 3, width: b.inputWidth, height: 10, class: 'input' }),
        svg('rect', { x: 70 + b.inputWidth, y: y + 3, width: b.outputWidth, height: 10, class: 'output' }),
        svg('text', { x: 74 + b.inputWidth + b.outputWidth, y: y + 11, class: 'label value' }, `${compact(r.input)} / ${compact(r.output)}`),
      ];
    }),
  );
}

function compact(n: number): string {
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

function runList(s: DashboardState): HTMLElement {
  return h('section', {}, h('h4', {}, 'Runs'), h('ul', { class: 'runs', id: 'runs' }, ...s.runs.map((r) => {
    const nothing = r.status === 'completed' && r.forReview === 0;
    return h('li', { class: s.current?.runId === r.runId ? 'selected' : '', 'data-outcome': nothing ? 'nothing' : r.status },
      h('a', { href: '#', class: 'run-title', title: r.objective.slice(0, 2000), onclick: () => send({ type: 'selectRun', runId: r.runId }) }, nothing ? icon('warning') : statusIcon(r.status), ` ${r.objective.slice(0, 200)}`),
      h('div', { class: 'muted run-meta' }, `${when(r.updatedAt)} · ${usd(r.costUsd)} · ${outcomeText(r.status, r.forReview)} · `, h('a', { href: '#', title: 'Show the run in depth', onclick: cmd('showRun', { runId: r.runId }) }, `${r.eventCount} events`),
        ...(FINISHED.has(r.status) && !s.running ? [' · ', h('a', { href: '#', class: 'follow-up-link', title: 'Follow up this run in the box above', onclick: followUp(r.runId) }, 'follow up')] : [])),
    );
  })));
}

function statusIcon(status: string): HTMLElement {
  const name = { running: 'loading codicon-modifier-spin', pending: 'circle-outline', paused: 'debug-pause', completed: 'pass', valid: 'pass', failed: 'error', invalid: 'warning', cancelled: 'circle-slash' }[status] ?? 'circle-outline';
  return icon(name);
}
