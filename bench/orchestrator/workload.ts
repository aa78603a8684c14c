// A realistic orchestrator workload: the bundled sample workspace (a small Node users service with
// tests), indexed into the workspace memory (keyword search; the context provider feeds prompts and
// decisions are remembered), the durable sql.js store, a check command (`node --test` in a scratch
// copy), and a plan of 8 dependent tasks of mixed type and complexity whose model calls take mixed
// latencies. The models are in-process (the vendor SDKs are measured by the providers suite).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { indexMemory, workspaceMemory } from '../../src/app/memory';
import { runObjective, type OrchestratorDeps } from '../../src/core/orchestrator/orchestrator';
import type { RunState } from '../../src/core/orchestrator/runState';
import type { ModelClient, ModelDelta, ModelRequest, PriceBook, ProviderId } from '../../src/core/ports/model';
import { SqlEventStore } from '../../src/storage/sqlEventStore';
import { openWorkspaceDatabase } from '../../src/storage/workspaceDatabase';

interface Task {
  readonly id: string;
  readonly kind: 'code' | 'test';
  readonly type: 'code' | 'test' | 'docs' | 'refactor';
  readonly complexity: 'low' | 'medium' | 'high';
  readonly dependsOn: readonly string[];
  /** The author's call latency in ms (scaled by `latencyScale`). */
  readonly coderMs: number;
}

// A diamond (core → api, cli → tests → changelog) beside two independent chains.
export const TASKS: readonly Task[] = [
  { id: 'core', kind: 'code', type: 'code', complexity: 'high', dependsOn: [], coderMs: 500 },
  { id: 'api', kind: 'code', type: 'code', complexity: 'medium', dependsOn: ['core'], coderMs: 300 },
  { id: 'cli', kind: 'code', type: 'code', complexity: 'medium', dependsOn: ['core'], coderMs: 400 },
  { id: 'tests', kind: 'test', type: 'test', complexity: 'medium', dependsOn: ['api', 'cli'], coderMs: 250 },
  { id: 'changelog', kind: 'code', type: 'docs', complexity: 'low', dependsOn: ['tests'], coderMs: 100 },
  { id: 'docs', kind: 'code', type: 'docs', complexity: 'low', dependsOn: [], coderMs: 150 },
  { id: 'docs-api', kind: 'code', type: 'docs', complexity: 'low', dependsOn: ['docs'], coderMs: 100 },
  { id: 'tidy', kind: 'code', type: 'refactor', complexity: 'low', dependsOn: [], coderMs: 350 },
];
export const REVIEW_MS = 200;
export const VALIDATE_MS = 250;

// Each task its own files: the engine runs tasks that share a file one after the other (taskPlan.ts),
// so shared files would measure that rule, not the scheduler.
const filesOf = (t: Task) => (t.type === 'docs' ? [`docs/${t.id}.md`] : [`src/${t.id}.js`, `test/${t.id}.test.js`]);

function edits(t: Task): unknown[] {
  if (t.type === 'docs') return [{ kind: 'create', path: `docs/${t.id}.md`, content: `# ${t.id}\n\nWritten by the bench's ${t.id} task.\n` }];
  const name = t.id.replace(/-/g, '_');
  return [
    { kind: 'create', path: `src/${t.id}.js`, content: `'use strict';\nexports.${name} = (x) => String(x).trim().toLowerCase();\n` },
    {
      kind: 'create',
      path: `test/${t.id}.test.js`,
      content: `'use strict';\nconst test = require('node:test');\nconst assert = require('node:assert');\nconst { ${name} } = require('../src/${t.id}');\n\ntest('${t.id} normalises', () => assert.equal(${name}(' A '), 'a'));\n`,
    },
  ];
}

const systemText = (r: ModelRequest) => (typeof r.system === 'string' ? r.system : (r.system ?? []).map((b) => b.text).join('\n'));

/** The team's answers by role and task, each after its latency. */
export function team(latencyScale: number): (provider: ProviderId) => ModelClient {
  const answer = (request: ModelRequest): { json: unknown; ms: number } => {
    const system = systemText(request);
    const prompt = JSON.stringify(request.messages);
    if (system.includes('Role: planner'))
      return {
        ms: 0,
        json: {
          objective: 'bench',
          summary: 'A normalising helper used by the API and the CLI, tested and documented.',
          tasks: TASKS.map((t) => ({ id: t.id, title: `the ${t.id} task`, description: `do the ${t.id} part, in the style of src/users.js and test/users.test.js`, kind: t.kind, type: t.type, complexity: t.complexity, complexityReason: 'bench', files: filesOf(t), dependsOn: [...t.dependsOn] })),
        },
      };
    const id = /Task \(([a-z-]+)\)|Your task \(([a-z-]+)\)/.exec(prompt);
    const task = TASKS.find((t) => t.id === (id?.[1] ?? id?.[2]))!;
    if (system.includes('Role: reviewer')) return { ms: REVIEW_MS, json: { verdict: 'approve', score: 0.9, summary: 'fine', issues: [] } };
    if (system.includes('Role: validator')) return { ms: VALIDATE_MS, json: { requirements: [{ requirement: `the ${task.id} part`, met: true, evidence: 'the patch and the passing check' }], verdict: 'approve', summary: 'met' } };
    return { ms: task.coderMs, json: { summary: `the ${task.id} part`, edits: edits(task) } };
  };
  return (provider) => ({
    provider,
    async *stream(request): AsyncIterable<ModelDelta> {
      const { json, ms } = answer(request);
      if (ms * latencyScale > 0) await new Promise((r) => setTimeout(r, ms * latencyScale));
      const text = JSON.stringify(json);
      yield { type: 'text', text, attempt: 1 };
      yield { type: 'done', result: { provider, model: request.model, text, toolCalls: [], stopReason: 'end', usage: { inputTokens: 1000, outputTokens: 200, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0.001, attempts: 1 } };
    },
  });
}

const flatPrices: PriceBook = { priceOf: () => ({ input: 1, output: 1 }) };

export interface WorkloadRun {
  readonly ms: number;
  readonly calls: number;
  /** Wall time of the check commands, summed (they run in parallel with other tasks' calls). */
  readonly checkMs: number;
  readonly checks: number;
  readonly state: RunState;
}

/** One run of the workload on a fresh copy of the sample workspace; `check` null runs no check command. */
export async function runWorkload(options: { latencyScale: number; concurrency: number; check: string | null; onEvent?: OrchestratorDeps['onEvent'] }): Promise<WorkloadRun> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bench-workload-'));
  fs.cpSync(path.resolve(__dirname, '../../samples/workspace'), root, { recursive: true });
  const db = await openWorkspaceDatabase(root, { mode: 'write' });
  try {
    await indexMemory(root, db); // into the memory index's own database
    const memory = workspaceMemory(db, undefined);
    if (!memory.context) throw new Error('the sample workspace did not index');
    const deps: OrchestratorDeps = {
      store: new SqlEventStore(db),
      workspaceRoot: root,
      models: team(options.latencyScale),
      // three vendors, as a real team: authors, reviewers and the validator differ by model
      candidates: [
        { provider: 'anthropic', model: 'author', roles: ['planner', 'coder', 'tester'] },
        { provider: 'openai', model: 'reviewer', roles: ['reviewer'] },
        { provider: 'gemini', model: 'validator', roles: ['validator'] },
      ],
      prices: flatPrices,
      limits: { anthropic: { concurrency: options.concurrency }, openai: { concurrency: options.concurrency }, gemini: { concurrency: options.concurrency } },
      context: memory.context,
      memory: memory.memory,
      check: { env: process.env, pass: [] },
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    };
    const t = process.hrtime.bigint();
    const state = await runObjective(deps, { objective: 'add a normalising helper used by the API and the CLI', options: { explore: false, apply: false, validator: 'disagreement', ...(options.check ? { checkCommand: options.check } : {}) } }, new AbortController().signal);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (state.status !== 'completed') throw new Error(`workload run ended ${state.status}: ${state.error?.message}`);
    const rejected = Object.values(state.patches).filter((p) => p.status !== 'accepted');
    if (rejected.length) throw new Error(`workload run left patches not accepted: ${rejected.map((p) => `${p.patchId} ${p.status} ${p.decision?.reason ?? ''}`).join('; ')}`);
    const reports = Object.values(state.artifacts).flatMap((a) => (a.kind === 'TestReport' ? [a.body] : []));
    if (options.check && reports.length !== TASKS.length) throw new Error(`expected ${TASKS.length} check reports, got ${reports.length}`);
    return { ms, calls: Object.keys(state.calls).length, checkMs: reports.reduce((s, r) => s + r.durationMs, 0), checks: reports.length, state };
  } finally {
    await db.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The best any scheduler could do with these latencies at this concurrency and zero engine cost:
 * the longer of the critical path (author, reviewer, and the validator on high-complexity tasks, in
 * dependency order) and the total call time spread over the slots. A lower bound on wall time.
 */
export function idealMs(latencyScale: number, concurrency: number): { ms: number; criticalPath: number; work: number } {
  const taskMs = (t: Task) => (t.coderMs + REVIEW_MS + (t.complexity === 'high' ? VALIDATE_MS : 0)) * latencyScale;
  const finish = new Map<string, number>();
  const done = (t: Task): number => finish.get(t.id) ?? (finish.set(t.id, Math.max(0, ...t.dependsOn.map((d) => done(TASKS.find((x) => x.id === d)!))) + taskMs(t)), finish.get(t.id)!);
  const criticalPath = Math.max(...TASKS.map(done));
  // each vendor has its own slots; authors, reviewers and the validator are on different vendors
  const perVendor = [TASKS.reduce((s, t) => s + t.coderMs, 0), TASKS.length * REVIEW_MS, TASKS.filter((t) => t.complexity === 'high').length * VALIDATE_MS].map((x) => (x * latencyScale) / concurrency);
  const work = Math.max(...perVendor);
  return { ms: Math.max(criticalPath, work), criticalPath, work };
}
