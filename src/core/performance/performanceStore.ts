// Measured performance per (model, role), folded from events across every run in the store: the
// router's memory. Quality is a success rate in [0, 1]: a coder's patch accepted (by the share of
// approving reviews when it was not), a reviewer agreeing with the consensus, output that parsed.
// Each observation also counts in its task's complexity context (role@low|medium|high) when the
// planner rated the task, so the router can learn that a cheap model is enough for easy tasks only.
import type { Complexity } from '../artifacts/schemas';
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
  /** Set on a per-complexity row (role@complexity); absent on the role's totals. */
  readonly complexity?: Complexity;
}

export function statsKey(provider: string, model: string, role: string): string {
  return `${provider}/${model}/${role}`;
}

export class PerformanceStore {
  private readonly stats = new Map<string, ModelStats>();
  /** The same, per (model, role, complexity); kept apart so all() stays one row per (model, role). */
  private readonly contextStats = new Map<string, ModelStats>();
  private readonly taskComplexity = new Map<string, Complexity>();
  private readonly patchAuthor = new Map<string, { provider: ProviderId; model: string; role: Role; complexity: Complexity | undefined }>();
  private readonly reviewers = new Map<string, { provider: ProviderId; model: string; verdict: 'approve' | 'reject'; score: number }[]>();
  private readonly validators = new Map<string, { provider: ProviderId; model: string; verdict: 'approve' | 'reject' }>();
  private readonly callRole = new Map<string, Role>();
  private readonly taskRole = new Map<string, Role>();

  /** Called with a model's new totals each time they change (the persisted projection writes them). */
  onChange: ((stats: ModelStats) => void) | undefined;

  static fromEvents(events: Iterable<RecordedEvent>): PerformanceStore {
    const store = new PerformanceStore();
    for (const e of events) store.observe(e.runId, e);
    return store;
  }

  /** Totals kept earlier (the persisted projection): a later run's calls add to them. */
  static fromStats(stats: Iterable<ModelStats>): PerformanceStore {
    const store = new PerformanceStore();
    for (const s of stats) {
      if (s.complexity) store.contextStats.set(statsKey(s.provider, s.model, `${s.role}@${s.complexity}`), s);
      else store.stats.set(statsKey(s.provider, s.model, s.role), s);
    }
    return store;
  }

  /**
   * Learns who made which call, patch and review, and each task's complexity, from events whose totals
   * are already counted (a run resumed in a new process): the run's later events are then credited to
   * the right role and context.
   */
  observeContext(runId: string, e: RunEvent): void {
    switch (e.type) {
      case 'plan.proposed':
      case 'agent.call.started':
      case 'patch.proposed':
      case 'task.routed':
      case 'review.verdict':
      case 'validation.verdict':
        this.observe(runId, e);
        return;
      default:
        return;
    }
  }

  /** Forgets a finished run's call, patch and review owners (they only matter while it can still change). */
  forgetRun(runId: string): void {
    const prefix = `${runId}/`;
    for (const map of [this.patchAuthor, this.reviewers, this.validators, this.callRole, this.taskRole, this.taskComplexity] as Map<string, unknown>[])
      for (const key of map.keys()) if (key.startsWith(prefix)) map.delete(key);
  }

  /** Stats for the role, or for the role on tasks of one complexity. */
  get(provider: string, model: string, role: Role, complexity?: Complexity): ModelStats | undefined {
    return complexity ? this.contextStats.get(statsKey(provider, model, `${role}@${complexity}`)) : this.stats.get(statsKey(provider, model, role));
  }

  all(): ModelStats[] {
    return [...this.stats.values()];
  }

  /** Mean cost of one call, when the model has priced history. */
  meanCostUsd(provider: string, model: string, role: Role, complexity?: Complexity): number | undefined {
    const s = this.get(provider, model, role, complexity);
    return s && s.pricedCalls > 0 ? s.costUsd / s.pricedCalls : undefined;
  }

  observe(runId: string, e: RunEvent): void {
    const complexityOf = (taskId: string) => this.taskComplexity.get(`${runId}/${taskId}`);
    switch (e.type) {
      case 'plan.proposed':
        for (const t of e.data.spec.tasks) if (t.complexity) this.taskComplexity.set(`${runId}/${t.id}`, t.complexity);
        return;
      case 'agent.call.started':
        this.callRole.set(`${runId}/${e.data.callId}`, e.data.role);
        return;
      case 'agent.call.finished': {
        const role = this.callRole.get(`${runId}/${e.data.callId}`) ?? 'coder';
        const complexity = complexityOf(e.data.taskId);
        this.update(e.data.provider, e.data.model, role, complexity, (s) => ({
          ...s,
          calls: s.calls + 1,
          pricedCalls: s.pricedCalls + (e.data.costUsd === null ? 0 : 1),
          costUsd: s.costUsd + (e.data.costUsd ?? 0),
          latencyMs: s.latencyMs + e.data.durationMs,
        }));
        // Planners have no reviewer: a plan that parsed is their success.
        if (e.data.outcome === 'invalid') this.quality(e.data.provider, e.data.model, role, 0, complexity);
        else if (role === 'planner') this.quality(e.data.provider, e.data.model, role, 1);
        return;
      }
      case 'agent.call.failed': {
        const role = this.callRole.get(`${runId}/${e.data.callId}`) ?? 'coder';
        const complexity = complexityOf(e.data.taskId);
        this.update(e.data.provider, e.data.model, role, complexity, (s) => ({ ...s, calls: s.calls + 1, failures: s.failures + 1, costUsd: s.costUsd + (e.data.costUsd ?? 0) }));
        this.quality(e.data.provider, e.data.model, role, 0, complexity);
        return;
      }
      case 'patch.proposed':
        this.patchAuthor.set(`${runId}/${e.data.patchId}`, { provider: e.data.provider, model: e.data.model, role: this.taskRole.get(`${runId}/${e.data.taskId}`) ?? 'coder', complexity: complexityOf(e.data.taskId) });
        return;
      case 'task.routed':
        if (e.data.role === 'coder' || e.data.role === 'tester') this.taskRole.set(`${runId}/${e.data.taskId}`, e.data.role);
        return;
      case 'review.verdict': {
        const key = `${runId}/${e.data.patchId}`;
        this.reviewers.set(key, [...(this.reviewers.get(key) ?? []), { provider: e.data.provider, model: e.data.model, verdict: e.data.verdict, score: e.data.score }]);
        return;
      }
      case 'validation.verdict':
        this.validators.set(`${runId}/${e.data.patchId}`, { provider: e.data.provider, model: e.data.model, verdict: e.data.verdict });
        return;
      case 'patch.validated':
        if (!e.data.ok) {
          const author = this.patchAuthor.get(`${runId}/${e.data.patchId}`);
          if (author) this.quality(author.provider, author.model, author.role, 0, author.complexity);
        }
        return;
      case 'consensus.reached': {
        const key = `${runId}/${e.data.patchId}`;
        const author = this.patchAuthor.get(key);
        const reviews = this.reviewers.get(key) ?? [];
        const approvals = reviews.filter((r) => r.verdict === 'approve').length;
        if (author) this.quality(author.provider, author.model, author.role, e.data.decision === 'accept' ? 1 : reviews.length ? (0.5 * approvals) / reviews.length : 0, author.complexity);
        const decided = e.data.decision === 'accept' ? 'approve' : 'reject';
        for (const r of reviews) this.quality(r.provider, r.model, 'reviewer', r.verdict === decided ? 1 : 0, author?.complexity);
        const validator = this.validators.get(key);
        if (validator) this.quality(validator.provider, validator.model, 'validator', validator.verdict === decided ? 1 : 0, author?.complexity);
        return;
      }
      default:
        return;
    }
  }

  /** Records one quality observation in [0, 1] (also used by simulations and the planner). */
  quality(provider: ProviderId, model: string, role: Role, q: number, complexity?: Complexity): void {
    this.update(provider, model, role, complexity, (s) => ({ ...s, qualitySum: s.qualitySum + q, qualityN: s.qualityN + 1 }));
  }

  private update(provider: ProviderId, model: string, role: Role, complexity: Complexity | undefined, f: (s: ModelStats) => ModelStats): void {
    const empty = { provider, model, role, calls: 0, failures: 0, qualitySum: 0, qualityN: 0, pricedCalls: 0, costUsd: 0, latencyMs: 0 };
    const key = statsKey(provider, model, role);
    const next = f(this.stats.get(key) ?? empty);
    this.stats.set(key, next);
    this.onChange?.(next);
    if (!complexity) return;
    const contextKey = statsKey(provider, model, `${role}@${complexity}`);
    const nextContext = { ...f(this.contextStats.get(contextKey) ?? { ...empty, complexity }), complexity };
    this.contextStats.set(contextKey, nextContext);
    this.onChange?.(nextContext);
  }
}
