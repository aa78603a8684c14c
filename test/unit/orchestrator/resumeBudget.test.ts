// A budget holds across crashes: a run killed in the middle of a call, again and again, and resumed
// each time never spends (as the vendor bills it) more than its budget. The call cut off by the crash
// has unknown usage, so resume charges its whole hold; the vendor is made to bill 90% of each hold,
// the most realistic worst case. Before that rule, resume booked such a call at $0 and 24 cycles spent
// several times the budget.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { countPromptTokens, maxCostUsd } from '../../../src/core/cost/costGovernor';
import { resumeRun, runObjective, type OrchestratorDeps } from '../../../src/core/orchestrator/orchestrator';
import { projectRun, type RunState } from '../../../src/core/orchestrator/runState';
import { parseEvent } from '../../../src/core/events';
import type { ModelClient, ModelDelta, ModelPrice, ModelRequest, PriceBook, ProviderId } from '../../../src/core/ports/model';
import { pastRuns } from '../../../src/app/engine';
import { openInMemoryDatabase } from '../../../src/storage/database';
import { SqlEventStore } from '../../../src/storage/sqlEventStore';
import { InMemoryEventStore } from '../../fakes/inMemoryEventStore';

const PRICE: ModelPrice = { input: 1, output: 1 };
const prices: PriceBook = { priceOf: () => PRICE };
const BILLED_SHARE = 0.9;

function answer(request: ModelRequest): unknown {
  const system = typeof request.system === 'string' ? request.system : (request.system ?? []).map((b) => b.text).join('\n');
  if (system.includes('Role: planner'))
    return { objective: 'o', summary: 's', tasks: ['a', 'b', 'c'].map((id) => ({ id, title: id, description: `create ${id}.txt`, kind: 'code', files: [`${id}.txt`], dependsOn: [] })) };
  if (system.includes('Role: reviewer')) return { verdict: 'approve', score: 0.9, summary: 'fine', issues: [] };
  const id = /Your task \((\w+)\)/.exec(JSON.stringify(request.messages))?.[1] ?? 'x';
  return { summary: `create ${id}`, edits: [{ kind: 'create', path: `${id}.txt`, content: `${id}\n` }] };
}

/** One process's life: calls answer until the `killAt`-th, which takes the durable events as they are and never returns. */
class Life {
  billedUsd = 0;
  private started = 0;
  crashed: Promise<{ runId: string; events: Awaited<ReturnType<InMemoryEventStore['readAll']>> }>;
  private crash!: (v: Awaited<Life['crashed']>) => void;

  constructor(private readonly store: InMemoryEventStore, private readonly killAt: number | null) {
    this.crashed = new Promise((resolve) => (this.crash = resolve));
  }

  models = (provider: ProviderId): ModelClient => ({
    provider,
    stream: (request) => this.stream(provider, request),
  });

  private async *stream(provider: ProviderId, request: ModelRequest): AsyncIterable<ModelDelta> {
    const cost = BILLED_SHARE * maxCostUsd(PRICE, countPromptTokens(request), request.maxOutputTokens);
    this.billedUsd += cost; // the vendor bills the call whether or not its answer is ever recorded
    if (++this.started === this.killAt) {
      const events = await this.store.readAll();
      this.crash({ runId: events[0]!.runId, events });
      await new Promise(() => undefined); // SIGKILL: nothing after this point happens
    }
    const text = JSON.stringify(answer(request));
    yield { type: 'text', text, attempt: 1 };
    yield { type: 'done', result: { provider, model: request.model, text, toolCalls: [], stopReason: 'end', usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: cost, attempts: 1 } };
  }
}

async function copyOf(events: Awaited<ReturnType<InMemoryEventStore['readAll']>>): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore();
  for (const e of events) await store.append(e.runId, [{ type: e.type, data: e.data, ts: e.ts }]);
  return store;
}

function deps(store: InMemoryEventStore, life: Life, root: string, daySpentUsd = 0): OrchestratorDeps {
  return { store, workspaceRoot: root, models: life.models, candidates: [{ provider: 'openai', model: 'author' }, { provider: 'anthropic', model: 'reviewer' }], prices, daySpentUsd };
}

/** Runs (or resumes) until the kill point or the end; returns the store a crash leaves, or the final state. */
async function life(store: InMemoryEventStore, killAt: number | null, root: string, start: (d: OrchestratorDeps, signal: AbortSignal) => Promise<RunState>) {
  const l = new Life(store, killAt);
  const controller = new AbortController();
  const outcome = await Promise.race([start(deps(store, l, root), controller.signal).then((state) => ({ state })), l.crashed.then((c) => ({ crash: c }))]);
  controller.abort(); // the abandoned driver's late events go to a store nobody reads again
  return { billedUsd: l.billedUsd, ...outcome };
}

describe('budget across kill and resume', function () {
  this.timeout(60_000);

  it('never spends past the budget, however often a run is killed mid-call and resumed', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-budget-'));
    const budgetUsd = 0.03; // about five holds: a run of 7 calls cannot finish if every one is killed a few times
    let store = new InMemoryEventStore();
    let billed = 0;
    let runId = '';
    let cycles = 0;
    let final: RunState | undefined;
    const killAts = [1, 2, 1, 3, 1, 1, 2];
    let first = true;
    for (; cycles < 24 && !final; cycles++) {
      const killAt = killAts[cycles % killAts.length]!;
      const out = await life(store, killAt, root, (d, signal) => (first ? runObjective(d, { objective: 'o', options: { budgetUsd, explore: false } }, signal) : resumeRun(d, runId, signal)));
      first = false;
      billed += out.billedUsd;
      if ('crash' in out) {
        runId = out.crash.runId;
        store = await copyOf(out.crash.events);
      } else final = out.state;
    }
    if (!final) {
      const out = await life(store, null, root, (d, signal) => resumeRun(d, runId, signal));
      billed += out.billedUsd;
      assert.ok('state' in out);
      final = out.state;
    }
    assert.ok(cycles >= 3, `the run was killed ${cycles} times`);
    assert.equal(final.status, 'failed', 'the budget stopped the run');
    assert.equal(final.error?.reason, 'budget');
    assert.ok(billed <= budgetUsd + 1e-12, `billed $${billed.toFixed(4)} on a $${budgetUsd} budget`);
    const events = (await store.readRun(runId)).map(parseEvent);
    const state = projectRun(runId, events);
    assert.ok(state.cost.spentUsd >= billed - 1e-12, `the log books $${state.cost.spentUsd.toFixed(4)}, the vendor billed $${billed.toFixed(4)}`);
    assert.ok(state.cost.spentUsd <= budgetUsd + 1e-12);
    const charged = events.filter((e) => e.type === 'budget.released' && e.data.unknownUsage);
    assert.ok(charged.length >= 3, 'each crash left a call charged in full');
    for (const e of charged) if (e.type === 'budget.released') assert.equal(e.data.spentUsd, e.data.reservedUsd);
    // the daily budget counts the same charges
    const persisted = new SqlEventStore(await openInMemoryDatabase());
    await persisted.append(runId, events.map((e) => ({ type: e.type, data: e.data, ts: e.ts })));
    assert.ok(Math.abs(pastRuns(persisted, Date.now()).daySpentUsd - state.cost.spentUsd) < 1e-12);
  });

  it('charges nothing extra to a run resumed with no call in flight', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-budget-'));
    const out = await life(new InMemoryEventStore(), null, root, (d, signal) => runObjective(d, { objective: 'o', options: { budgetUsd: 1, explore: false } }, signal));
    assert.ok('state' in out);
    assert.equal(out.state.status, 'completed');
    assert.ok(Math.abs(out.state.cost.spentUsd - out.billedUsd) < 1e-12, 'the log books exactly what was billed');
  });
});
