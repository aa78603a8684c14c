// Measured performance per (model, role), folded from events across every run in the store: the
// router's memory. Quality is a success rate in [0, 1]: a coder's patch accepted (by the share of
// approving reviews when it was not), a reviewer agreeing with the consensus, output that parsed.
import type { RecordedEvent, Role, RunEvent } from '../events';
import type { ProviderId } from '../ports/model';

export interface ModelStats {
  readonly provider: ProviderId;
  readonly model: string;
  readonly role: Role;
  readonly calls: number;
  readonly failures: number;
  /** Sum of quality observations in [0, 1] and how many: a Beta(1 + q, 1 + n - q) posterior. */
  readonly qualitySum: number;
  readonly qualityN: number;
  readonly pricedCalls: number;
  readonly costUsd: number;
  readonly latencyMs: number;
}

export function statsKey(provider: string, model: string, role: string): string {
  return `${provider}/${model}/${role}`;
}

export class PerformanceStore {
  private readonly stats = new Map<string, ModelStats>();
  private readonly patchAuthor = new Map<string, { provider: ProviderId; model: string; role: Role }>();
  private readonly reviewers = new Map<string, { provider: ProviderId; model: string; verdict: 'approve' | 'reject'; score: number }[]>();
  private readonly callRole = new Map<string, Role>();
  private readonly taskRole = new Map<string, Role>();

  static fromEvents(events: Iterable<RecordedEvent>): PerformanceStore {
    const store = new PerformanceStore();
    for (const e of events) store.observe(e.runId, e);
    return store;
  }

  get(provider: string, model: string, role: Role): ModelStats | undefined {
    return this.stats.get(statsKey(provider, model, role));
  }

  all(): ModelStats[] {
    return [...this.stats.values()];
  }

  /** Mean cost of one call, when the model has priced history. */
  meanCostUsd(provider: string, model: string, role: Role): number | undefined {
    const s = this.get(provider, model, role);
    return s && s.pricedCalls > 0 ? s.costUsd / s.pricedCalls : undefined;
  }

  observe(runId: string, e: RunEvent): void {
    switch (e.type) {
      case 'agent.call.started':
        this.callRole.set(`${runId}/${e.data.callId}`, e.data.role);
        return;
      case 'agent.call.finished': {
        const role = this.callRole.get(`${runId}/${e.data.callId}`) ?? 'coder';
        this.update(e.data.provider, e.data.model, role, (s) => ({
          ...s,
          calls: s.calls + 1,
          pricedCalls: s.pricedCalls + (e.data.costUsd === null ? 0 : 1),
          costUsd: s.costUsd + (e.data.costUsd ?? 0),
          latencyMs: s.latencyMs + e.data.durationMs,
        }));
        // Planners have no reviewer: a plan that parsed is their success.
        if (e.data.outcome === 'invalid') this.quality(e.data.provider, e.data.model, role, 0);
        else if (role === 'planner') this.quality(e.data.provider, e.data.model, role, 1);
        return;
      }
      case 'agent.call.failed': {
        const role = this.callRole.get(`${runId}/${e.data.callId}`) ?? 'coder';
        this.update(e.data.provider, e.data.model, role, (s) => ({ ...s, calls: s.calls + 1, failures: s.failures + 1, costUsd: s.costUsd + (e.data.costUsd ?? 0) }));
        this.quality(e.data.provider, e.data.model, role, 0);
        return;
      }
      case 'patch.proposed':
        this.patchAuthor.set(`${runId}/${e.data.patchId}`, { provider: e.data.provider, model: e.data.model, role: this.taskRole.get(`${runId}/${e.data.taskId}`) ?? 'coder' });
        return;
      case 'task.routed':
        if (e.data.role === 'coder' || e.data.role === 'tester') this.taskRole.set(`${runId}/${e.data.taskId}`, e.data.role);
        return;
      case 'review.verdict': {
        const key = `${runId}/${e.data.patchId}`;
        this.reviewers.set(key, [...(this.reviewers.get(key) ?? []), { provider: e.data.provider, model: e.data.model, verdict: e.data.verdict, score: e.data.score }]);
        return;
      }
      case 'patch.validated':
        if (!e.data.ok) {
          const author = this.patchAuthor.get(`${runId}/${e.data.patchId}`);
          if (author) this.quality(author.provider, author.model, author.role, 0);
        }
        return;
      case 'consensus.reached': {
        const key = `${runId}/${e.data.patchId}`;
        const author = this.patchAuthor.get(key);
        const reviews = this.reviewers.get(key) ?? [];
        const approvals = reviews.filter((r) => r.verdict === 'approve').length;
        if (author) this.quality(author.provider, author.model, author.role, e.data.decision === 'accept' ? 1 : reviews.length ? (0.5 * approvals) / reviews.length : 0);
        const decided = e.data.decision === 'accept' ? 'approve' : 'reject';
        for (const r of reviews) this.quality(r.provider, r.model, 'reviewer', r.verdict === decided ? 1 : 0);
        return;
      }
      default:
        return;
    }
  }

  /** Records one quality observation in [0, 1] (also used by simulations and the planner). */
  quality(provider: ProviderId, model: string, role: Role, q: number): void {
    this.update(provider, model, role, (s) => ({ ...s, qualitySum: s.qualitySum + q, qualityN: s.qualityN + 1 }));
  }

  private update(provider: ProviderId, model: string, role: Role, f: (s: ModelStats) => ModelStats): void {
    const key = statsKey(provider, model, role);
    const current = this.stats.get(key) ?? { provider, model, role, calls: 0, failures: 0, qualitySum: 0, qualityN: 0, pricedCalls: 0, costUsd: 0, latencyMs: 0 };
    this.stats.set(key, f(current));
  }
}
