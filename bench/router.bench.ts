// The router's regret on a simulated stream of tasks, scored by a value it does not optimise.
// Hidden from the router: every model's price and its quality per complexity. It sees only what a
// real run records and the performance store folds: each call's billed cost (the model's price
// times a token count that varies ±30%) and whether the patch was accepted (a draw from the
// model's hidden quality for the task's complexity), as agent.call.finished and consensus.reached
// events. Its price book is empty, so every model starts unpriced.
// Value, independent of the router's own scoring (quality per dollar among models above a 0.5
// floor): the expected dollars spent per accepted patch when a rejected one is retried until
// accepted (price / quality). The oracle knows the hidden numbers and picks, per complexity, the
// model with the lowest expected spend. Regret: how much more the router's picks cost per accepted
// patch than the oracle's, in expectation (no outcome noise in the score).
// Reproduce: npm run bench -- router
import type { Complexity } from '../src/core/artifacts/schemas';
import type { RunEvent } from '../src/core/events';
import { PerformanceStore } from '../src/core/performance/performanceStore';
import type { PriceBook, ProviderId } from '../src/core/ports/model';
import { mulberry32, Router } from '../src/core/router/router';
import { rowCollector, type BenchSuite } from './harness';

interface HiddenModel {
  readonly provider: ProviderId;
  readonly model: string;
  /** Dollars per call at the typical token count. */
  readonly price: number;
  readonly quality: Record<Complexity, number>;
}

// Chosen so that each context has a different best model, and the runner-up is close (≤ 15% more).
export const MODELS: readonly HiddenModel[] = [
  { provider: 'anthropic', model: 'strong-pricey', price: 0.06, quality: { low: 0.95, medium: 0.92, high: 0.85 } },
  { provider: 'openai', model: 'good-cheap', price: 0.01, quality: { low: 0.9, medium: 0.8, high: 0.12 } },
  { provider: 'gemini', model: 'weak-cheapest', price: 0.004, quality: { low: 0.85, medium: 0.3, high: 0.05 } },
];
const MIX: readonly [Complexity, number][] = [
  ['low', 0.4],
  ['medium', 0.35],
  ['high', 0.25],
];
const TASKS = 200;
const SEEDS = 20;
const COMPLEXITIES: readonly Complexity[] = ['low', 'medium', 'high'];

const spend = (m: HiddenModel, c: Complexity) => m.price / m.quality[c];
const oracleSpend = (c: Complexity) => Math.min(...MODELS.map((m) => spend(m, c)));

interface Outcome {
  /** Per context: [router's expected spend, oracle's] summed over its tasks. */
  readonly byContext: Record<Complexity, { got: number; best: number; tasks: number }>;
}

/** One stream of tasks; `contexts` false routes without the complexity (the router before #19). */
export function simulate(seed: number, contexts: boolean): Outcome {
  const performance = new PerformanceStore();
  const unpriced: PriceBook = { priceOf: () => undefined };
  const router = new Router({ candidates: MODELS.map(({ provider, model }) => ({ provider, model })), performance, prices: unpriced, explore: true, seed });
  const world = mulberry32(seed * 7919 + 1); // the hidden draws: complexity, tokens, acceptance
  const byContext = Object.fromEntries(COMPLEXITIES.map((c) => [c, { got: 0, best: 0, tasks: 0 }])) as Outcome['byContext'];
  for (let i = 0; i < TASKS; i++) {
    const complexity = pickComplexity(world());
    const pick = router.route({ role: 'coder', key: `task-${i}`, ...(contexts ? { complexity } : {}) });
    const m = MODELS.find((x) => x.model === pick.model)!;
    const cost = m.price * (0.7 + 0.6 * world());
    const accepted = world() < m.quality[complexity];
    for (const e of taskEvents(i, complexity, m, cost, accepted, contexts)) performance.observe(`run-${i}`, e);
    const cell = byContext[complexity];
    cell.got += spend(m, complexity);
    cell.best += oracleSpend(complexity);
    cell.tasks++;
  }
  return { byContext };
}

function pickComplexity(u: number): Complexity {
  let acc = 0;
  for (const [c, p] of MIX) if (u < (acc += p)) return c;
  return 'high';
}

/** What a real run records for one task with one coder call and its consensus, in order. */
function taskEvents(i: number, complexity: Complexity, m: HiddenModel, cost: number, accepted: boolean, rated: boolean): RunEvent[] {
  const ref = { provider: m.provider, model: m.model };
  const task = { id: 't', title: `task ${i}`, description: 'simulated', kind: 'code' as const, files: [], dependsOn: [], ...(rated ? { complexity } : {}) };
  const tokens = Math.round(cost * 1e5);
  return [
    { type: 'plan.proposed', data: { callId: 'plan', spec: { objective: 'bench', summary: 'one task', tasks: [task] } } },
    { type: 'task.routed', data: { taskId: 't', role: 'coder', ...ref, explored: false, reason: 'bench', patchId: 'p' } },
    { type: 'agent.call.started', data: { callId: 'c', taskId: 't', role: 'coder', ...ref, round: 1, attempt: 1, promptTokens: tokens } },
    { type: 'agent.call.finished', data: { callId: 'c', taskId: 't', ...ref, usage: { inputTokens: tokens, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: cost, durationMs: 1000, outcome: 'valid' } },
    { type: 'patch.proposed', data: { patchId: 'p', taskId: 't', round: 1, artifactId: 'a', ...ref, files: [] } },
    { type: 'consensus.reached', data: { patchId: 'p', rule: 'majority', decision: accepted ? 'accept' : 'reject', approvals: accepted ? 1 : 0, rejections: accepted ? 0 : 1, reason: 'bench' } },
  ] as RunEvent[];
}

/** Extra expected spend per accepted patch over the oracle's: 0 is perfect. */
function regret(cells: readonly { got: number; best: number }[]): number {
  const got = cells.reduce((s, c) => s + c.got, 0);
  const best = cells.reduce((s, c) => s + c.best, 0);
  return best === 0 ? 0 : got / best - 1;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export const suite: BenchSuite = {
  name: 'router',
  async run(report) {
    const out = rowCollector(report);
    const best = (c: Complexity) => MODELS.reduce((a, b) => (spend(b, c) < spend(a, c) ? b : a)).model;
    process.stdout.write(`  hidden: prices and per-complexity qualities of 3 models; oracle's pick per context: ${COMPLEXITIES.map((c) => `${c} → ${best(c)}`).join(', ')}\n`);
    process.stdout.write(`  value: expected $ per accepted patch (price / quality, retried until accepted); ${TASKS} tasks (40% low, 35% medium, 25% high) × ${SEEDS} seeds\n`);
    const ratio = oracleSpend('high') / oracleSpend('low');
    process.stdout.write(`  overall regret is a ratio of summed dollars: an accepted high-complexity patch costs the oracle ${ratio.toFixed(0)}× a low one, so the high context dominates it\n`);
    for (const contexts of [true, false]) {
      const runs = Array.from({ length: SEEDS }, (_, s) => simulate(100 + s, contexts));
      const label = contexts ? 'per (role, complexity) context' : 'context-blind (complexity not given)';
      const overall = runs.map((r) => regret(Object.values(r.byContext)));
      out.add({ metric: `router regret, ${label}: mean of ${SEEDS} seeds`, value: pct(mean(overall)), ...(contexts ? { goal: '≤ 10%' } : {}) });
      out.add({ metric: `router regret, ${label}: worst seed`, value: pct(Math.max(...overall)) });
      for (const c of COMPLEXITIES) out.add({ metric: `  ${c} complexity: mean / worst`, value: `${pct(mean(runs.map((r) => regret([r.byContext[c]]))))} / ${pct(Math.max(...runs.map((r) => regret([r.byContext[c]]))))}` });
    }
    return out.rows;
  },
};
