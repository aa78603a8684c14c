// Orchestration overhead per agent call, parallel efficiency under a concurrency limit, and the
// router's regret against an oracle. Reproduce: npx tsx bench/run.ts orchestrator
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runObjective, type OrchestratorDeps } from '../src/core/orchestrator/orchestrator';
import { PerformanceStore } from '../src/core/performance/performanceStore';
import type { ModelClient, ModelDelta, ModelRequest, PriceBook, ProviderId } from '../src/core/ports/model';
import type { EventStore } from '../src/core/ports/eventStore';
import { Router, mulberry32 } from '../src/core/router/router';
import { SqlEventStore } from '../src/storage/sqlEventStore';
import { openWorkspaceDatabase } from '../src/storage/workspaceDatabase';
import { InMemoryEventStore } from '../test/fakes/inMemoryEventStore';
import { peakRssMb, percentile, rowCollector, type BenchSuite } from './harness';

/** A model team in-process: planner splits into `tasks` independent file creations, reviewers approve. */
function team(tasks: number, delayMs: number): (provider: ProviderId) => ModelClient {
  const answer = (request: ModelRequest): unknown => {
    const system = typeof request.system === 'string' ? request.system : (request.system ?? []).map((b) => b.text).join('\n');
    const prompt = JSON.stringify(request.messages);
    if (system.includes('Role: planner'))
      return { objective: 'bench', summary: 'independent files', tasks: Array.from({ length: tasks }, (_, i) => ({ id: `t${i}`, title: `file ${i}`, description: `create src/f${i}.ts`, kind: 'code', files: [`src/f${i}.ts`], dependsOn: [] })) };
    if (system.includes('Role: reviewer')) return { verdict: 'approve', score: 0.9, summary: 'fine', issues: [] };
    const id = /Your task \(t(\d+)\)/.exec(prompt)?.[1] ?? '0';
    return { summary: `create f${id}`, edits: [{ kind: 'create', path: `src/f${id}.ts`, content: `export const f${id} = ${id};\n` }] };
  };
  return (provider) => ({
    provider,
    async *stream(request): AsyncIterable<ModelDelta> {
      const text = JSON.stringify(answer(request));
      const isPlan = text.includes('"tasks"');
      if (delayMs && !isPlan) await new Promise((r) => setTimeout(r, delayMs));
      yield { type: 'text', text, attempt: 1 };
      yield { type: 'done', result: { provider, model: request.model, text, toolCalls: [], stopReason: 'end', usage: { inputTokens: 100, outputTokens: 50, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0.0001, attempts: 1 } };
    },
  });
}

const flatPrices: PriceBook = { priceOf: () => ({ input: 1, output: 1 }) };

async function timedRun(store: EventStore, tasks: number, delayMs: number, concurrency: number): Promise<{ ms: number; calls: number }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bench-orch-'));
  const deps: OrchestratorDeps = {
    store,
    workspaceRoot: root,
    models: team(tasks, delayMs),
    candidates: [
      { provider: 'openai', model: 'author' },
      { provider: 'openai', model: 'reviewer' },
    ],
    prices: flatPrices,
    limits: { openai: { concurrency } },
  };
  const t = process.hrtime.bigint();
  const state = await runObjective(deps, { objective: 'bench', options: { explore: false } }, new AbortController().signal);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (state.status !== 'completed') throw new Error(`bench run ended ${state.status}: ${state.error?.message}`);
  fs.rmSync(root, { recursive: true, force: true });
  return { ms, calls: Object.keys(state.calls).length };
}

/** 200 tasks over 3 models with hidden success rates and prices; regret vs always picking the best. */
function routerRegret(seed: number): number {
  const models = [
    { provider: 'anthropic' as const, model: 'strong-pricey', quality: 0.9, price: 6 },
    { provider: 'openai' as const, model: 'good-cheap', quality: 0.8, price: 1 },
    { provider: 'gemini' as const, model: 'weak-cheapest', quality: 0.3, price: 0.5 },
  ];
  const prices: PriceBook = { priceOf: (_p, m) => ({ input: models.find((x) => x.model === m)!.price, output: models.find((x) => x.model === m)!.price }) };
  const performance = new PerformanceStore();
  const router = new Router({ candidates: models.map(({ provider, model }) => ({ provider, model })), performance, prices, explore: true, seed });
  const random = mulberry32(seed + 1);
  const value = (m: (typeof models)[number]) => (m.quality >= 0.5 ? m.quality / m.price : 0);
  const oracle = Math.max(...models.map(value));
  let got = 0;
  for (let i = 0; i < 200; i++) {
    const pick = router.route({ role: 'coder', key: `task-${i}` });
    const m = models.find((x) => x.model === pick.model)!;
    got += value(m);
    performance.quality(m.provider, m.model, 'coder', random() < m.quality ? 1 : 0);
  }
  return 1 - got / (200 * oracle);
}

export const suite: BenchSuite = {
  name: 'orchestrator',
  async run(report) {
    const out = rowCollector(report);
    // warm-up (JIT, zod, tokenizer tables)
    await timedRun(new InMemoryEventStore(), 10, 0, 4);
    const perCall: number[] = [];
    for (let i = 0; i < 9; i++) {
      const mem = await timedRun(new InMemoryEventStore(), 20, 0, 4);
      perCall.push(mem.ms / mem.calls);
    }
    out.add({ metric: 'overhead per agent call, in-memory store (p50 of 9 runs × 41 calls)', value: percentile(perCall, 50), unit: 'ms', goal: '≤ 0.5 ms' });
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bench-orch-db-'));
    const db = await openWorkspaceDatabase(root, { mode: 'write' });
    const durable = await timedRun(new SqlEventStore(db), 20, 0, 4);
    await db.close();
    out.add({ metric: `per agent call incl. durable sql.js events (${durable.calls} calls)`, value: durable.ms / durable.calls, unit: 'ms' });

    const parallel = await timedRun(new InMemoryEventStore(), 16, 300, 4);
    const ideal = (32 * 300) / 4;
    out.add({ metric: '16 tasks × (coder + reviewer) of 300 ms at concurrency 4', value: parallel.ms, unit: 'ms' });
    out.add({ metric: `parallel efficiency (ideal ${ideal} ms / actual)`, value: ideal / parallel.ms, goal: '≥ 0.9' });

    const regrets = Array.from({ length: 20 }, (_, i) => routerRegret(100 + i));
    out.add({ metric: 'router regret vs oracle, 200 tasks, 3 models (mean of 20 seeds)', value: `${((regrets.reduce((a, b) => a + b, 0) / regrets.length) * 100).toFixed(1)}%`, goal: '≤ 10%' });
    out.add({ metric: 'router regret, worst seed', value: `${(Math.max(...regrets) * 100).toFixed(1)}%` });
    out.add({ metric: 'peak RSS', value: peakRssMb(), unit: 'MB' });
    return out.rows;
  },
};
