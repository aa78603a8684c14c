// Picks a model for each role as a bandit over quality per dollar: Thompson sampling draws a
// quality from each model's Beta posterior (from the performance store) and divides by the model's
// expected cost per call. With exploration off it takes the posterior mean instead, so it always
// picks the model that has measured best. The random source is seeded: a replayed run routes alike.
// A task the planner rated (low / medium / high) is routed on what each model has shown in that
// (role, complexity) context, starting from its role-wide record until the context has its own.
import type { Complexity } from '../artifacts/schemas';
import type { Role } from '../events';
import type { ModelPrice, PriceBook, ProviderId } from '../ports/model';
import type { PerformanceStore } from '../performance/performanceStore';

export interface ModelCandidate {
  readonly provider: ProviderId;
  readonly model: string;
  /** Roles this model is allowed to take; all when absent. */
  readonly roles?: readonly Role[];
  /** Prior belief about its quality in [0, 1] (e.g. a frontier model 0.8), worth `priorWeight` observations. */
  readonly priorQuality?: number;
}

export interface RouteRequest {
  readonly role: Role;
  /** Models not to use: a reviewer must differ from the patch's author. */
  readonly exclude?: readonly { readonly provider: ProviderId; readonly model: string }[];
  /** What a call is expected to use, for candidates without measured cost. */
  readonly expectedInputTokens?: number;
  readonly expectedOutputTokens?: number;
  /**
   * Names the decision ("task-3/coder/r1"): its random draw then depends only on the seed and this
   * key, not on how many decisions came before, so parallel tasks finishing in a different order
   * (or a resumed run) still route every decision the same way.
   */
  readonly key?: string;
  /** The task's complexity as the planner rated it: the context the router learns in. */
  readonly complexity?: Complexity;
}

export interface RouteDecision {
  readonly provider: ProviderId;
  readonly model: string;
  readonly explored: boolean;
  readonly reason: string;
}

export class NoModelError extends Error {
  constructor(role: Role, excluded: number) {
    super(
      excluded > 0
        ? `no model left for the ${role} role: it must differ from the author's model. Configure a second provider or model (e.g. set another API key)`
        : `no model is configured for the ${role} role. Set an API key (ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY) or use --replay FILE`,
    );
    this.name = 'NoModelError';
  }
}

export interface RouterOptions {
  readonly candidates: readonly ModelCandidate[];
  readonly performance: PerformanceStore;
  readonly prices: PriceBook;
  readonly explore: boolean;
  readonly seed: number;
  readonly priorWeight?: number;
  /** Below this (sampled) quality a model is only picked when no model reaches it. */
  readonly qualityFloor?: number;
  /** Models the user pinned for tasks of a complexity: only they are candidates there (when any fits the role). */
  readonly pinned?: Partial<Record<Complexity, readonly { readonly provider: ProviderId; readonly model: string }[]>>;
}

export const DEFAULT_QUALITY_FLOOR = 0.5;
const FLOOR_EVIDENCE = 8;

export class Router {
  private readonly random: () => number;

  constructor(private readonly options: RouterOptions) {
    this.random = mulberry32(options.seed);
  }

  route(request: RouteRequest): RouteDecision {
    const excluded = request.exclude ?? [];
    const eligible = this.options.candidates.filter(
      (c) => (!c.roles || c.roles.includes(request.role)) && !excluded.some((x) => x.provider === c.provider && x.model === c.model),
    );
    const pins = request.complexity ? this.options.pinned?.[request.complexity] : undefined;
    const pinned = pins?.length ? eligible.filter((c) => pins.some((p) => p.provider === c.provider && p.model === c.model)) : [];
    const pool = pinned.length ? pinned : eligible;
    if (pool.length === 0) throw new NoModelError(request.role, excluded.length);
    const random = request.key === undefined ? this.random : mulberry32(hashString(`${this.options.seed}:${request.key}`));
    const costs = pool.map((c) => this.expectedCost(c, request));
    const known = costs.filter((c): c is number => c !== undefined && c > 0);
    // An unpriced model (a local server) costs nothing we can measure; rank it as the cheapest priced one.
    const fallbackCost = known.length ? Math.min(...known) : 1;
    const scored = pool.map((c, i) => {
      const { alpha, beta, observed } = this.posterior(c, request.role, request.complexity);
      const cost = costs[i] && costs[i]! > 0 ? costs[i]! : fallbackCost;
      const mean = alpha / (alpha + beta);
      const sample = this.options.explore ? sampleBeta(alpha, beta, random) : mean;
      return { c, mean, sample, cost, observed, score: sample / cost, greedy: mean / cost };
    });
    // Quality per dollar among the models good enough to use: without the floor a model that almost
    // always fails would still win on price alone. If none clears it, the best quality wins.
    const floor = this.options.qualityFloor ?? DEFAULT_QUALITY_FLOOR;
    const pick = (value: (x: (typeof scored)[number]) => number, quality: (x: (typeof scored)[number]) => number) => {
      const usable = scored.filter((x) => quality(x) >= floor);
      return usable.length ? usable.reduce((a, b) => (value(b) > value(a) ? b : a)) : scored.reduce((a, b) => (quality(b) > quality(a) ? b : a));
    };
    // The floor judges a model by its sample while little is known, by its measured mean once it
    // has enough observations: a model that keeps failing stops being re-explored on lucky draws.
    const best = pick((x) => x.score, (x) => (x.observed >= FLOOR_EVIDENCE ? x.mean : x.sample));
    const greedy = pick((x) => x.greedy, (x) => x.mean);
    const explored = best.c !== greedy.c;
    const context = request.complexity ? ` for ${request.complexity} complexity${pinned.length ? ' (pinned)' : ''}` : '';
    const reason = `${explored ? 'explore' : 'best'}: quality ${best.mean.toFixed(2)} at ~$${best.cost.toFixed(4)}/call among ${pool.length}${context}`;
    return { provider: best.c.provider, model: best.c.model, explored, reason };
  }

  /**
   * Beta posterior over the model's quality for the role. In a complexity context the prior is the
   * model's role-wide mean (worth priorWeight observations) and the evidence is the context's own, so
   * what it showed on hard tasks does not vouch for it on easy ones, or the other way round.
   */
  private posterior(c: ModelCandidate, role: Role, complexity: Complexity | undefined): { alpha: number; beta: number; observed: number } {
    const weight = this.options.priorWeight ?? 2;
    const overall = this.options.performance.get(c.provider, c.model, role);
    const base = c.priorQuality ?? 0.5;
    if (!complexity) return { alpha: 1 + base * weight + (overall?.qualitySum ?? 0), beta: 1 + (1 - base) * weight + ((overall?.qualityN ?? 0) - (overall?.qualitySum ?? 0)), observed: overall?.qualityN ?? 0 };
    const roleMean = overall && overall.qualityN > 0 ? (1 + base * weight + overall.qualitySum) / (2 + weight + overall.qualityN) : base;
    const s = this.options.performance.get(c.provider, c.model, role, complexity);
    return { alpha: 1 + roleMean * weight + (s?.qualitySum ?? 0), beta: 1 + (1 - roleMean) * weight + ((s?.qualityN ?? 0) - (s?.qualitySum ?? 0)), observed: s?.qualityN ?? 0 };
  }

  private expectedCost(c: ModelCandidate, request: RouteRequest): number | undefined {
    const measured = (request.complexity && this.options.performance.meanCostUsd(c.provider, c.model, request.role, request.complexity)) ?? this.options.performance.meanCostUsd(c.provider, c.model, request.role);
    if (measured !== undefined) return measured;
    const price: ModelPrice | undefined = this.options.prices.priceOf(c.provider, c.model);
    if (!price) return undefined;
    return ((request.expectedInputTokens ?? 4000) * price.input + (request.expectedOutputTokens ?? 1500) * price.output) / 1_000_000;
  }
}

/** FNV-1a: a stable 32-bit hash for seeding. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Beta(a, b) as X/(X+Y) with X~Gamma(a), Y~Gamma(b) (Marsaglia-Tsang). */
export function sampleBeta(a: number, b: number, random: () => number): number {
  const x = sampleGamma(a, random);
  const y = sampleGamma(b, random);
  return x / (x + y);
}

function sampleGamma(shape: number, random: () => number): number {
  if (shape < 1) return sampleGamma(shape + 1, random) * Math.pow(random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
