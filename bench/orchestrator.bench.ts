// Orchestration overhead per agent call and parallel efficiency under a concurrency limit: first on
// a realistic workload (bench/orchestrator/workload.ts: the sample workspace, memory, durable store,
// a check command, 8 dependent tasks with mixed latencies), then the old microbenchmark (zero-latency
// models, independent one-file tasks, an empty folder) as a floor. Everything runs under the load of
// the bench itself; the runner prints the load average beside it. The router's regret is its own
// suite (router.bench.ts). Reproduce: npm run bench -- orchestrator
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runObjective, type OrchestratorDeps } from '../src/core/orchestrator/orchestrator';
import type { ModelClient, ModelDelta, ModelRequest, PriceBook, ProviderId } from '../src/core/ports/model';
import type { EventStore } from '../src/core/ports/eventStore';
import { SqlEventStore } from '../src/storage/sqlEventStore';
import { openWorkspaceDatabase } from '../src/storage/workspaceDatabase';
import { InMemoryEventStore } from '../test/fakes/inMemoryEventStore';
import { peakRssMb, percentile, rowCollector, type BenchSuite } from './harness';
import { idealMs, runWorkload, TASKS } from './orchestrator/workload';

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

export const suite: BenchSuite = {
  name: 'orchestrator',
  async run(report) {
    const out = rowCollector(report);
    // warm-up (JIT, zod, tokenizer tables, sql.js, the tree-sitter grammars)
    await runWorkload({ latencyScale: 0, concurrency: 4, check: null });

    // 1. the realistic workload with zero-latency models: what the engine itself costs per call
    const perCall: number[] = [];
    const perCallNoCheck: number[] = [];
    let calls = 0;
    for (let i = 0; i < 5; i++) {
      const r = await runWorkload({ latencyScale: 0, concurrency: 4, check: 'node --test' });
      calls = r.calls;
      perCall.push(r.ms / r.calls);
      const bare = await runWorkload({ latencyScale: 0, concurrency: 4, check: null });
      perCallNoCheck.push(bare.ms / bare.calls);
    }
    out.add({ metric: `workload (sample workspace, memory, durable store, ${TASKS.length} dependent tasks, ${calls} calls), no check command: wall time per call, p50 of 5`, value: percentile(perCallNoCheck, 50), unit: 'ms' });
    out.add({ metric: `same with \`node --test\` as the check command (${TASKS.length} checks in scratch copies), per call, p50 of 5`, value: percentile(perCall, 50), unit: 'ms' });

    // 2. the same workload with mixed latencies (author 100–500 ms, reviewer 200, validator 250) and dependencies
    for (const concurrency of [2, 4]) {
      const r = await runWorkload({ latencyScale: 1, concurrency, check: null });
      const ideal = idealMs(1, concurrency);
      out.add({ metric: `workload with latencies, concurrency ${concurrency}: wall time (lower bound ${ideal.ms.toFixed(0)} ms: critical path ${ideal.criticalPath.toFixed(0)}, work/slots ${ideal.work.toFixed(0)})`, value: r.ms, unit: 'ms' });
      out.add({ metric: `  parallel efficiency (lower bound / actual)`, value: ideal.ms / r.ms, goal: '≥ 0.9' });
    }

    // 3. the microbenchmark floor: zero-latency models, independent one-file tasks, empty folder
    await timedRun(new InMemoryEventStore(), 10, 0, 4);
    const micro: number[] = [];
    for (let i = 0; i < 9; i++) {
      const mem = await timedRun(new InMemoryEventStore(), 20, 0, 4);
      micro.push(mem.ms / mem.calls);
    }
    out.add({ metric: 'microbenchmark: per agent call, in-memory store, empty folder, 20 independent tasks (p50 of 9 runs × 41 calls)', value: percentile(micro, 50), unit: 'ms' });
    const dbRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bench-orch-db-'));
    const db = await openWorkspaceDatabase(dbRoot, { mode: 'write' });
    const durable = await timedRun(new SqlEventStore(db), 20, 0, 4);
    await db.close();
    fs.rmSync(dbRoot, { recursive: true, force: true });
    out.add({ metric: `microbenchmark: same with the durable sql.js store (${durable.calls} calls)`, value: durable.ms / durable.calls, unit: 'ms' });
    const parallel = await timedRun(new InMemoryEventStore(), 16, 300, 4);
    const ideal = (32 * 300) / 4;
    out.add({ metric: `microbenchmark: 16 independent tasks × (coder + reviewer) of 300 ms at concurrency 4, efficiency (ideal ${ideal} ms / actual)`, value: ideal / parallel.ms });
    out.add({ metric: 'peak RSS', value: peakRssMb(), unit: 'MB' });
    return out.rows;
  },
};
