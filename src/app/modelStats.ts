// Per model and role, what a team can act on: calls, failures by kind, p50/p95 latency, cost, the
// mean review score its patches got, how often users accepted its hunks, and the router's share of
// choices. One fold over the events, used by `codecompanion stats` and the editor's Models table.
import type { RecordedEvent, Role } from '../core/events';
import type { ProviderId } from '../core/ports/model';

export interface ModelRoleStats {
  readonly provider: ProviderId;
  readonly model: string;
  readonly role: Role;
  readonly calls: number;
  readonly failed: number;
  /** Failed calls by kind (rate_limit, server, timeout...), plus output that stayed invalid ('invalid_output'). */
  readonly failures: Readonly<Record<string, number>>;
  readonly meanMs: number | null;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly costUsd: number;
  readonly unpricedCalls: number;
  /** Mean reviewer score of the patches this model wrote in this role; null when none was reviewed. */
  readonly reviewScore: number | null;
  readonly reviews: number;
  /**
   * Share of this model's hunks users accepted in review (applied, not since rolled back) among the
   * hunks they decided; null when users decided none.
   */
  readonly hunkAcceptance: number | null;
  readonly hunksDecided: number;
  /** Router decisions (not "back to its author") for this role that picked this model. */
  readonly routed: number;
  /** routed / all router decisions for the role; null when the router never chose for it. */
  readonly routerShare: number | null;
}

interface Acc {
  provider: ProviderId;
  model: string;
  role: Role;
  calls: number;
  failed: number;
  failures: Record<string, number>;
  /** Kept sorted (binary insertion), so a result costs O(rows), not a sort of all history. */
  latencies: number[];
  latencySum: number;
  costUsd: number;
  unpriced: number;
  scoreSum: number;
  reviews: number;
  routed: number;
  hunksAccepted: number;
  hunksRejected: number;
}

type Author = { provider: ProviderId; model: string; role: Role };

export class ModelStatsFold {
  private readonly rows = new Map<string, Acc>();
  private readonly callRole = new Map<string, Role>();
  private readonly patchAuthor = new Map<string, Author>();
  /** Each proposed hunk's author, and the user's standing decision on it (counted in the window only). */
  private readonly hunks = new Map<string, { author: Author; decision?: 'accepted' | 'rejected' }>();
  private readonly taskRole = new Map<string, Role>();
  private readonly routedByRole = new Map<Role, number>();
  private cached: ModelRoleStats[] | undefined;

  /** Events before `sinceTs` only tell roles and authors; they are not counted. */
  constructor(private readonly sinceTs = 0) {}

  observe(e: RecordedEvent): void {
    const counted = e.ts >= this.sinceTs;
    const key = (id: string) => `${e.runId}/${id}`;
    switch (e.type) {
      case 'agent.call.started':
        this.callRole.set(key(e.data.callId), e.data.role);
        return;
      case 'task.routed':
        if (e.data.role !== 'reviewer') this.taskRole.set(key(e.data.taskId), e.data.role);
        if (!counted || e.data.reason === 'back to its author' || e.data.reason === 'resumed') return;
        this.acc(e.data.provider, e.data.model, e.data.role).routed++;
        this.routedByRole.set(e.data.role, (this.routedByRole.get(e.data.role) ?? 0) + 1);
        return;
      case 'patch.proposed':
        this.patchAuthor.set(key(e.data.patchId), { provider: e.data.provider, model: e.data.model, role: this.taskRole.get(key(e.data.taskId)) ?? 'coder' });
        return;
      case 'agent.call.finished':
      case 'agent.call.failed': {
        if (!counted) return;
        const a = this.acc(e.data.provider, e.data.model, this.callRole.get(key(e.data.callId)) ?? 'coder');
        a.calls++;
        insertSorted(a.latencies, e.data.durationMs);
        a.latencySum += e.data.durationMs;
        if (e.data.costUsd === null) a.unpriced++;
        else a.costUsd += e.data.costUsd;
        const kind = e.type === 'agent.call.failed' ? e.data.kind : e.data.outcome === 'invalid' ? 'invalid_output' : undefined;
        if (kind) {
          a.failed++;
          a.failures[kind] = (a.failures[kind] ?? 0) + 1;
        }
        return;
      }
      case 'review.verdict': {
        const author = this.patchAuthor.get(key(e.data.patchId));
        if (!counted || !author) return;
        const a = this.acc(author.provider, author.model, author.role);
        a.scoreSum += e.data.score;
        a.reviews++;
        return;
      }
      case 'review.proposed': {
        const author = this.patchAuthor.get(key(e.data.patchId)) ?? { provider: e.data.provider, model: e.data.model, role: 'coder' as Role };
        for (const f of e.data.files) for (const h of f.hunks) this.hunks.set(key(h.id), { author });
        return;
      }
      case 'review.applied':
        if (counted) for (const id of e.data.hunkIds) this.decide(key(id), 'accepted');
        return;
      case 'review.rejected':
        if (counted) for (const id of e.data.hunkIds) this.decide(key(id), 'rejected');
        return;
      case 'review.rolledBack':
        if (counted) for (const id of e.data.reverted) this.decide(key(id), undefined);
        return;
      default:
        return;
    }
  }

  /** A hunk's decision changes: its author's counts follow (a rolled-back hunk is undecided again). */
  private decide(hunkKey: string, decision: 'accepted' | 'rejected' | undefined): void {
    const h = this.hunks.get(hunkKey);
    if (!h || h.decision === decision) return;
    const a = this.acc(h.author.provider, h.author.model, h.author.role);
    if (h.decision === 'accepted') a.hunksAccepted--;
    if (h.decision === 'rejected') a.hunksRejected--;
    if (decision === 'accepted') a.hunksAccepted++;
    if (decision === 'rejected') a.hunksRejected++;
    h.decision = decision;
  }

  result(): ModelRoleStats[] {
    this.cached ??= [...this.rows.values()]
      .map((a) => {
        const sorted = a.latencies;
        const total = this.routedByRole.get(a.role) ?? 0;
        return {
          provider: a.provider,
          model: a.model,
          role: a.role,
          calls: a.calls,
          failed: a.failed,
          failures: { ...a.failures },
          meanMs: sorted.length ? a.latencySum / sorted.length : null,
          p50Ms: percentile(sorted, 0.5),
          p95Ms: percentile(sorted, 0.95),
          costUsd: a.costUsd,
          unpricedCalls: a.unpriced,
          reviewScore: a.reviews ? a.scoreSum / a.reviews : null,
          reviews: a.reviews,
          hunkAcceptance: a.hunksAccepted + a.hunksRejected ? a.hunksAccepted / (a.hunksAccepted + a.hunksRejected) : null,
          hunksDecided: a.hunksAccepted + a.hunksRejected,
          routed: a.routed,
          routerShare: total ? a.routed / total : null,
        };
      })
      .sort((x, y) => y.calls - x.calls || `${x.provider}/${x.model}/${x.role}`.localeCompare(`${y.provider}/${y.model}/${y.role}`));
    return this.cached;
  }

  private acc(provider: ProviderId, model: string, role: Role): Acc {
    this.cached = undefined;
    const k = `${provider}/${model}/${role}`;
    let a = this.rows.get(k);
    if (!a) this.rows.set(k, (a = { provider, model, role, calls: 0, failed: 0, failures: {}, latencies: [], latencySum: 0, costUsd: 0, unpriced: 0, scoreSum: 0, reviews: 0, routed: 0, hunksAccepted: 0, hunksRejected: 0 }));
    return a;
  }
}

export function modelStats(events: Iterable<RecordedEvent>, sinceTs = 0): ModelRoleStats[] {
  const fold = new ModelStatsFold(sinceTs);
  for (const e of events) fold.observe(e);
  return fold.result();
}

function insertSorted(sorted: number[], x: number): void {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  sorted.splice(lo, 0, x);
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** "7d", "12h", "30m", "90s", or an ISO date: the start of the window, as epoch ms. */
export function parseSince(value: string, now: number): number {
  const m = /^(\d+(?:\.\d+)?)\s*(d|h|m|s)$/.exec(value.trim());
  if (m) return now - Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[m[2] as 'd' | 'h' | 'm' | 's'];
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`--since takes a duration (7d, 12h, 30m) or a date (2026-11-01), not '${value}'`);
  return t;
}
