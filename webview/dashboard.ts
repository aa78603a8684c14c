// The sidebar dashboard: drawn whole from the host's state (small, at most ~7 times a second).
import type { CurrentRun, DashboardState, WebviewCommand } from '../src/protocol/messages';
import { costLine, tokenBars } from './charts';
import { h, icon, svg, usd } from './dom';
import { send } from './host';

const cmd = (command: WebviewCommand, extra: { runId?: string; patchId?: string } = {}) => () => send({ type: 'command', command, ...extra });

function button(label: string, command: WebviewCommand, opts: { secondary?: boolean; icon?: string; runId?: string; patchId?: string; disabled?: boolean } = {}): HTMLElement {
  return h('vscode-button', { secondary: opts.secondary, icon: opts.icon, disabled: opts.disabled, onclick: cmd(command, { ...(opts.runId ? { runId: opts.runId } : {}), ...(opts.patchId ? { patchId: opts.patchId } : {}) }) }, label);
}

export function renderDashboard(root: HTMLElement, s: DashboardState): void {
  const missingKeys = s.keys.every((k) => !k.hasKey);
  const parts: (HTMLElement | null)[] = [
    h('section', { class: 'actions' },
      s.running ? button('Cancel Run', 'cancelRun', { icon: 'debug-stop', secondary: true }) : button('Run Objective', 'runObjective', { icon: 'play' }),
      button('Settings', 'openSettings', { icon: 'gear', secondary: true }),
    ),
    !s.trusted ? h('p', { class: 'note' }, icon('shield'), ' Restricted mode: changes are proposed, never applied; no check command runs.') : null,
    missingKeys ? h('p', { class: 'note' }, icon('key'), ' No API key set. ', h('a', { href: '#', onclick: cmd('setApiKey') }, 'Set API Key')) : null,
    s.review ? reviewBar(s.review, s.canRollback) : s.canRollback ? h('section', { class: 'actions' }, button('Rollback Run', 'rollbackRun', { icon: 'discard', secondary: true })) : null,
    s.current ? currentRun(s.current, s.running) : h('p', { class: 'empty' }, 'No run yet. Run an objective to see the agents at work.'),
    runList(s),
  ];
  root.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
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
  return h('section', { class: 'current', id: 'current-run', 'data-status': c.status },
    h('h3', {}, statusIcon(c.status), ` ${c.objective}`),
    h('div', { class: 'cost' },
      h('span', { id: 'cost-spent' }, `${usd(c.spentUsd)} spent`),
      c.reservedUsd > 0 ? h('span', { class: 'muted' }, ` (+${usd(c.reservedUsd)} held)`) : null,
      budget ? h('span', { class: 'muted' }, ` of ${usd(budget)}`) : null,
      budget ? h('div', { class: 'meter', role: 'meter', 'aria-valuenow': Math.round(share * 100), 'aria-valuemin': 0, 'aria-valuemax': 100 }, meterFill(share)) : null,
    ),
    c.error ? h('p', { class: 'error' }, c.error) : null,
    h('div', { class: 'actions' },
      button('Show Run', 'showRun', { icon: 'pulse', secondary: true, runId: c.runId }),
      // a run that is not ending and not going here stopped mid-way (the window closed): it can go on
      interrupted ? button('Resume Run', 'resumeRun', { icon: 'debug-continue', runId: c.runId }) : null,
    ),
    h('h4', {}, 'Agents'),
    h('ol', { class: 'timeline', id: 'timeline' }, ...c.agents.map((a) =>
      h('li', { class: `agent ${a.status}`, 'data-call': a.callId },
        h('div', { class: 'agent-head' }, statusIcon(a.status), ` ${a.role} · ${a.taskId} · `, h('span', { class: 'muted' }, `${a.provider}/${a.model}`), h('span', { class: 'right muted' }, `${a.tokens} tok · ${usd(a.costUsd)}`)),
        a.outcome ? h('p', { class: a.status === 'failed' ? 'outcome error' : 'outcome' }, a.outcome) : a.streamTail ? h('pre', { class: 'tail' }, a.streamTail.slice(-240)) : null,
      ))),
    c.quality.length ? qualityTable(c) : null,
    h('h4', {}, 'Cost over time'), costChart(c),
    h('h4', {}, 'Tokens by agent role'), tokensChart(c),
    c.perf.length ? perfTable(c) : null,
  );
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
  return h('div', {}, h('h4', {}, 'Models'), h('table', { class: 'grid', id: 'perf' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Model'), h('th', {}, 'Role'), h('th', {}, 'Calls'), h('th', {}, 'Failed'), h('th', {}, 'p50 s'), h('th', {}, 'p95 s'), h('th', {}, 'Cost'), h('th', {}, 'Review'), h('th', {}, 'Router'))),
    h('tbody', {}, ...c.perf.map((p) => h('tr', {},
      h('td', {}, `${p.provider}/${p.model}`), h('td', {}, p.role ?? ''), h('td', {}, p.calls), h('td', {}, p.failed), h('td', {}, seconds(p.p50Ms ?? p.avgMs)), h('td', {}, seconds(p.p95Ms ?? null)), h('td', {}, usd(p.costUsd)),
      h('td', {}, p.avgScore === null ? '—' : p.avgScore.toFixed(2)), h('td', {}, p.routerShare == null ? '—' : `${Math.round(p.routerShare * 100)}%`),
    )))));
}

function seconds(ms: number | null): string {
  return ms === null ? '—' : (ms / 1000).toFixed(1);
}

function costChart(c: CurrentRun): SVGElement {
  const w = 260;
  const hgt = 70;
  const chart = costLine(c.costSeries, w, hgt, c.budgetUsd);
  return svg('svg', { viewBox: `0 0 ${w} ${hgt}`, class: 'chart', role: 'img', 'aria-label': `cost over time, ${usd(c.spentUsd)} after ${chart.maxX.toFixed(0)} s` },
    ...(chart.budgetY !== undefined ? [svg('line', { x1: 0, x2: w, y1: chart.budgetY, y2: chart.budgetY, class: 'budget' })] : []),
    svg('path', { d: chart.path, class: 'line' }),
  );
}

function tokensChart(c: CurrentRun): SVGElement {
  const w = 180;
  const bars = tokenBars(c.tokensByRole, w);
  const row = 16;
  return svg('svg', { viewBox: `0 0 260 ${Math.max(row, bars.length * row)}`, class: 'chart', role: 'img', 'aria-label': 'tokens by agent role' },
    ...bars.flatMap((b, i) => [
      svg('text', { x: 0, y: i * row + 11, class: 'label' }, b.label),
      svg('rect', { x: 70, y: i * row + 3, width: b.inputWidth, height: 10, class: 'input' }),
      svg('rect', { x: 70 + b.inputWidth, y: i * row + 3, width: b.outputWidth, height: 10, class: 'output' }),
    ]),
  );
}

function runList(s: DashboardState): HTMLElement {
  return h('section', {}, h('h4', {}, 'Runs'), h('ul', { class: 'runs', id: 'runs' }, ...s.runs.map((r) =>
    h('li', { class: s.current?.runId === r.runId ? 'selected' : '' },
      h('a', { href: '#', onclick: () => send({ type: 'selectRun', runId: r.runId }) }, statusIcon(r.status), ` ${r.objective}`),
      h('span', { class: 'muted right' }, `${usd(r.costUsd)} · `, h('a', { href: '#', title: 'Show the run in depth', onclick: cmd('showRun', { runId: r.runId }) }, `${r.eventCount} events`)),
    ))));
}

function statusIcon(status: string): HTMLElement {
  const name = { running: 'loading codicon-modifier-spin', pending: 'circle-outline', paused: 'debug-pause', completed: 'pass', valid: 'pass', failed: 'error', invalid: 'warning', cancelled: 'circle-slash' }[status] ?? 'circle-outline';
  return icon(name);
}
