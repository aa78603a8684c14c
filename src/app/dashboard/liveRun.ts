// The dashboard's view of runs, folded from events: the run state plus what the state leaves out
// for the screen (the tail of each agent's stream, cumulative cost over time), and the rows the
// webview draws. Pure: the editor feeds it events, tests feed it arrays.
import type { RecordedEvent, Role } from '../../core/events';
import type { ModelRoleStats } from '../modelStats';
import { evolve, forReview, initialRunState, type RunState } from '../../core/orchestrator/runState';
import type { RunSummary } from '../../core/ports/eventStore';
import type { AgentRow, CurrentRun, EventRow, PerfRow, QualityRow, RunListItem } from '../../protocol/messages';
import { eventSummary } from '../eventText';

const TAIL_CHARS = 400;
const MAX_AGENTS = 60;
const MAX_SERIES = 500;

/** How many runs the dashboard's list holds at start: what it shows first costs the same whatever the history. */
export const RUN_LIST_LIMIT = 200;

export class LiveRun {
  private current: RunState;
  private readonly tails = new Map<string, string>();
  private readonly outcomes = new Map<string, string>();
  private readonly started = new Map<string, number>();
  private readonly series: { t: number; usd: number }[] = [];

  constructor(readonly runId: string) {
    this.current = initialRunState(runId);
  }

  static from(runId: string, events: Iterable<RecordedEvent>): LiveRun {
    const live = new LiveRun(runId);
    for (const e of events) live.apply(e);
    return live;
  }

  get state(): RunState {
    return this.current;
  }

  apply(e: RecordedEvent): void {
    if (e.runId !== this.runId) return;
    this.current = evolve(this.current, e);
    if (e.type === 'agent.call.started') {
      this.started.set(e.data.callId, e.ts);
      this.tails.set(e.data.callId, '');
    } else if (e.type === 'agent.call.streamed') {
      this.tails.set(e.data.callId, ((this.tails.get(e.data.callId) ?? '') + e.data.text).slice(-TAIL_CHARS));
    } else if (e.type === 'artifact.produced' && e.data.callId) {
      this.outcomes.set(e.data.callId, outcomeOf(e.data));
    }
    if (e.type === 'agent.call.failed') this.outcomes.set(e.data.callId, e.data.kind === 'aborted' ? 'stopped: the run was cancelled' : `failed: ${e.data.message}`.slice(0, 300));
    if ((e.type === 'agent.call.finished' || e.type === 'agent.call.failed') && e.data.costUsd !== null) {
      const t = Math.max(0, (e.ts - (this.current.startedAt ?? e.ts)) / 1000);
      this.series.push({ t, usd: this.current.cost.spentUsd });
      if (this.series.length > MAX_SERIES) this.series.splice(0, this.series.length - MAX_SERIES);
    }
  }

  /** `pending` counts each patch's hunks still waiting for the user. */
  view(perf: readonly PerfRow[], pending: ReadonlyMap<string, number> = new Map()): CurrentRun {
    const s = this.current;
    return {
      runId: s.runId,
      objective: s.objective,
      status: s.status,
      spentUsd: s.cost.spentUsd,
      reservedUsd: s.cost.reservedUsd,
      budgetUsd: s.options?.budgetUsd ?? null,
      error: s.error?.message ?? null,
      startedAt: s.startedAt ?? null,
      agents: this.agents(),
      quality: qualityRows(s, pending),
      perf: [...perf],
      costSeries: [...this.series],
      tokensByRole: tokensByRole(s),
    };
  }

  private agents(): AgentRow[] {
    const calls = Object.values(this.current.calls);
    // the running ones first, then the most recent
    const ordered = [...calls.filter((c) => c.status === 'running'), ...calls.filter((c) => c.status !== 'running').reverse()].slice(0, MAX_AGENTS);
    const cancelled = this.current.status === 'cancelled';
    return ordered.map((c) => ({
      callId: c.callId,
      taskId: c.taskId,
      role: c.role,
      provider: c.provider,
      model: c.model,
      // a call the user's cancel stopped did not fail
      status: c.error?.startsWith('aborted') || (cancelled && (c.status === 'running' || (c.status === 'failed' && /cancel|abort/i.test(c.error ?? '')))) ? ('cancelled' as const) : c.status,
      streamTail: this.tails.get(c.callId) ?? '',
      ...(this.outcomes.has(c.callId) ? { outcome: this.outcomes.get(c.callId)! } : {}),
      costUsd: c.costUsd,
      tokens: c.inputTokens + c.outputTokens,
      durationMs: c.durationMs,
      startedAt: this.started.get(c.callId) ?? 0,
    }));
  }
}

/** One line for what an agent produced: the plan's tasks, a patch's summary and files, a verdict. */
export function outcomeOf(a: Extract<RecordedEvent, { type: 'artifact.produced' }>['data']): string {
  const line = (() => {
    switch (a.kind) {
      case 'SpecDoc':
        return `plan: ${a.body.tasks.length} task(s): ${a.body.tasks.map((t) => t.title).join('; ')}`;
      case 'CodePatch': {
        const files = [...new Set(a.body.edits.map((e) => e.path))];
        return `${a.body.summary} (${files.join(', ')})`;
      }
      case 'ReviewReport':
        return `${a.body.verdict} ${a.body.score.toFixed(2)}: ${a.body.summary}`;
      case 'TestReport':
        return `check ${a.body.passed ? 'passed' : 'failed'}`;
      case 'ValidationReport':
        return `validator ${a.body.verdict}s: ${a.body.requirements.filter((r) => r.met).length} of ${a.body.requirements.length} requirements met: ${a.body.summary}`;
    }
  })();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

function qualityRows(s: RunState, pending: ReadonlyMap<string, number>): QualityRow[] {
  return Object.values(s.patches).map((p) => ({
    patchId: p.patchId,
    taskTitle: s.tasks[p.taskId]?.title ?? p.taskId,
    status: p.status,
    reviews: p.reviews.map((r) => ({ model: `${r.provider}/${r.model}`, verdict: r.verdict, score: r.score })),
    decision: p.decision?.decision ?? null,
    pendingHunks: pending.get(p.patchId) ?? 0,
  }));
}

function tokensByRole(s: RunState): CurrentRun['tokensByRole'] {
  const by = new Map<Role, { input: number; output: number }>();
  for (const c of Object.values(s.calls)) {
    const t = by.get(c.role) ?? { input: 0, output: 0 };
    by.set(c.role, { input: t.input + c.inputTokens, output: t.output + c.outputTokens });
  }
  return [...by].map(([role, t]) => ({ role, ...t }));
}

/** One row per model and role: the same projection as `codecompanion stats` (src/app/modelStats.ts). */
export function perfRows(stats: readonly ModelRoleStats[]): PerfRow[] {
  return stats.map((r) => ({
    provider: r.provider,
    model: r.model,
    role: r.role,
    calls: r.calls,
    valid: r.calls - r.failed,
    failed: r.failed,
    avgMs: r.meanMs ?? 0,
    p50Ms: r.p50Ms,
    p95Ms: r.p95Ms,
    costUsd: r.costUsd,
    avgScore: r.reviewScore,
    routerShare: r.routerShare,
  }));
}

export function eventRow(e: RecordedEvent): EventRow {
  return { seq: e.seq, ts: e.ts, type: e.type, summary: eventSummary(e).slice(0, 300) };
}
