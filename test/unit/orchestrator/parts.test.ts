// The orchestrator's pure parts: consensus rules, the task schedule, the router's bandit and the
// cost governor's holds.
import { strict as assert } from 'node:assert';
import type { PlanTask } from '../../../src/core/artifacts/schemas';
import { BudgetExceededError, CostGovernor } from '../../../src/core/cost/costGovernor';
import { decide } from '../../../src/core/orchestrator/consensus';
import { schedule } from '../../../src/core/orchestrator/taskPlan';
import { PerformanceStore } from '../../../src/core/performance/performanceStore';
import { Router } from '../../../src/core/router/router';
import type { ModelRequest, PriceBook } from '../../../src/core/ports/model';

const A = { verdict: 'approve' } as const;
const R = { verdict: 'reject' } as const;

describe('consensus', () => {
  it('decides by rule, and validation is not outvoted', () => {
    const table: [Parameters<typeof decide>[0], boolean, (typeof A | typeof R)[], 'accept' | 'reject'][] = [
      ['majority', true, [A, A, R], 'accept'],
      ['majority', true, [A, R], 'reject'],
      ['unanimous', true, [A, A, R], 'reject'],
      ['unanimous', true, [A, A], 'accept'],
      ['veto', true, [A, A, R], 'reject'],
      ['veto', true, [A], 'accept'],
      ['majority', false, [A, A, A], 'reject'],
      ['majority', true, [], 'reject'],
    ];
    for (const [rule, ok, votes, expected] of table) assert.equal(decide(rule, ok, votes).decision, expected, `${rule} ${ok} ${votes.map((v) => v.verdict)}`);
    assert.match(decide('majority', true, [A, A, R]).reason, /2 of 3 reviewers approved/);
  });
});

const task = (id: string, files: string[], dependsOn: string[] = []): PlanTask => ({ id, title: id, description: id, kind: 'code', files, dependsOn });

describe('task schedule', () => {
  it('runs independent tasks together, dependencies first, and tasks on one file one at a time in plan order', async () => {
    const tasks = [task('c', ['c.ts'], ['a']), task('a', ['a.ts']), task('b', ['b.ts']), task('d', ['a.ts']), task('e', ['e.ts'], ['c'])];
    const log: string[] = [];
    let inFlight = 0;
    let peak = 0;
    const results = await schedule(tasks, async (t, prerequisites) => {
      log.push(`start ${t.id} after [${prerequisites.map((p) => p.taskId).join(',')}]`);
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      log.push(`end ${t.id}`);
      return t.id === 'a' ? 'failed' : 'accepted';
    });
    // dependency order, and among tasks free to go, plan order
    assert.deepEqual(results.map((r) => r.taskId), ['a', 'c', 'b', 'd', 'e']);
    assert.ok(peak >= 2, 'independent tasks overlapped');
    assert.ok(log.indexOf('end a') < log.indexOf('start c after [a]'));
    assert.ok(log.indexOf('end a') < log.indexOf('start d after [a]'), 'd shares a.ts with a');
    assert.ok(log.indexOf('end c') < log.indexOf('start e after [c]'));
    assert.equal(results.find((r) => r.taskId === 'a')!.outcome, 'failed');
  });
});

const prices: PriceBook = {
  priceOf: (_p, model) => ({ cheap: { input: 0.1, output: 0.4 }, pricey: { input: 3, output: 15 } })[model],
};

describe('router', () => {
  const candidates = [
    { provider: 'openai' as const, model: 'cheap', priorQuality: 0.6 },
    { provider: 'anthropic' as const, model: 'pricey', priorQuality: 0.8 },
  ];

  it('with exploration off picks the best quality per dollar; a reviewer never gets the author’s model', () => {
    const router = new Router({ candidates, performance: new PerformanceStore(), prices, explore: false, seed: 1 });
    assert.equal(router.route({ role: 'coder' }).model, 'cheap');
    assert.equal(router.route({ role: 'reviewer', exclude: [{ provider: 'openai', model: 'cheap' }] }).model, 'pricey');
    assert.throws(() => router.route({ role: 'reviewer', exclude: candidates }), /must differ from the author/);
  });

  it('learns from measured performance: a cheap model that keeps failing loses its place', () => {
    const performance = new PerformanceStore();
    for (let i = 0; i < 40; i++) {
      performance.quality('openai', 'cheap', 'coder', 0);
      performance.quality('anthropic', 'pricey', 'coder', 1);
    }
    const router = new Router({ candidates, performance, prices, explore: false, seed: 1 });
    assert.equal(router.route({ role: 'coder' }).model, 'pricey');
  });

  it('explores by Thompson sampling, reproducibly for a given seed and decision key', () => {
    const picks = (seed: number) => {
      const router = new Router({ candidates: [candidates[0]!, { ...candidates[0]!, model: 'cheap2' as string, provider: 'gemini' as const }], performance: new PerformanceStore(), prices: { priceOf: () => ({ input: 1, output: 1 }) }, explore: true, seed });
      return Array.from({ length: 40 }, (_, i) => router.route({ role: 'coder', key: `t${i}` }).model);
    };
    const a = picks(7);
    assert.deepEqual(a, picks(7));
    assert.ok(new Set(a).size === 2, 'both equal models get tried');
  });
});

describe('cost governor', () => {
  const request = (maxOutputTokens: number): ModelRequest => ({ model: 'pricey', messages: [{ role: 'user', content: 'write the code '.repeat(50) }], maxOutputTokens });

  it('holds the largest possible cost, so concurrent holds never pass the budget', () => {
    const g = new CostGovernor({ prices, budgetUsd: 0.1, dailyBudgetUsd: null, allowUnpriced: false });
    const held: string[] = [];
    let refused = 0;
    for (let i = 0; i < 50; i++) {
      try {
        g.reserve(`c${i}`, 'anthropic', request(1000));
        held.push(`c${i}`);
      } catch (err) {
        assert.ok(err instanceof BudgetExceededError);
        refused++;
      }
      assert.ok(g.runCommittedUsd <= 0.1 + 1e-12);
      if (i % 3 === 0 && held.length) g.release(held.shift()!, 0.004);
    }
    assert.ok(refused > 0 && held.length > 0);
    assert.ok(g.spentUsd <= 0.1);
  });

  it('refuses an unpriced model under a budget unless allowed, and the daily budget spans runs', () => {
    const unpriced = new CostGovernor({ prices, budgetUsd: 1, dailyBudgetUsd: null, allowUnpriced: false });
    assert.throws(() => unpriced.reserve('x', 'openai-compatible', { ...request(10), model: 'llama' }), /no known price/);
    const day = new CostGovernor({ prices, budgetUsd: null, dailyBudgetUsd: 0.05, daySpentUsd: 0.049, allowUnpriced: false });
    assert.throws(() => day.reserve('y', 'anthropic', request(1000)), (e: unknown) => e instanceof BudgetExceededError && e.scope === 'day');
  });
});
