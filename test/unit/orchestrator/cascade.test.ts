// The quality cascade past review, through the real SDKs against the loopback fake vendor servers:
// the validator agent settles a split review, and the router learns per (role, complexity) context.
import { strict as assert } from 'node:assert';
import { loadModels } from '../../../src/app/engine';
import { SpecDocSchema } from '../../../src/core/artifacts/schemas';
import { parseEvent, RunOptionsSchema, type RunOptions } from '../../../src/core/events';
import { decide } from '../../../src/core/orchestrator/consensus';
import { DEFAULT_RUN_OPTIONS, runObjective } from '../../../src/core/orchestrator/orchestrator';
import { PerformanceStore } from '../../../src/core/performance/performanceStore';
import { Router, type ModelCandidate } from '../../../src/core/router/router';
import { startFakeModelServer, type FakeModelServer, type FakeReply, type FakeRequest } from '../../fakes/fakeModelServer';
import { InMemoryEventStore } from '../../fakes/inMemoryEventStore';
import { sampleTeam } from '../../fakes/sampleTeam';
import { sampleWorkspace, SECRET } from './helpers';

const OBJECTIVE = 'add pagination to the users API';

/** The sample team, except that gemini's reviewer finds fault with the pagination tests. */
function splitReviewOfTests(req: FakeRequest): FakeReply {
  if (req.system.includes('Role: reviewer') && req.prompt.includes('Task (test-pagination)') && req.vendor === 'gemini') {
    const usage = { input: 100, output: 100 };
    return { json: { verdict: 'reject', score: 0.4, summary: 'The tests never call GET /users with page parameters.', issues: [{ severity: 'major', file: 'test/users.test.js', message: 'add an HTTP-level test of ?page=2' }] }, usage };
  }
  return sampleTeam(req);
}

async function run(server: FakeModelServer, candidates: readonly ModelCandidate[], options: Partial<RunOptions>, performance = new PerformanceStore()) {
  const config = { providers: { anthropic: { apiKey: SECRET, baseUrl: server.urls.anthropic }, openai: { apiKey: SECRET, baseUrl: server.urls.openai }, gemini: { apiKey: SECRET, baseUrl: server.urls.gemini } } };
  const models = loadModels({ config, candidates, noProviderHint: 'none' });
  const store = new InMemoryEventStore();
  const state = await runObjective(
    { store, workspaceRoot: sampleWorkspace(), models: models.models, candidates: models.candidates, prices: models.prices, performance },
    { objective: OBJECTIVE, options: { explore: false, ...options } },
    new AbortController().signal,
  );
  return { state, events: (await store.readRun(state.runId)).map(parseEvent) };
}

describe('orchestrator: the validator agent and complexity routing', function () {
  this.timeout(60_000);
  let server: FakeModelServer;
  before(async () => (server = await startFakeModelServer()));
  after(() => server.close());
  beforeEach(() => server.reset());

  // one author for everything; two reviewers on other vendors; the validator on one of them
  const team: ModelCandidate[] = [
    { provider: 'anthropic', model: 'claude-sonnet-4-6', roles: ['planner', 'coder', 'tester'] },
    { provider: 'openai', model: 'gpt-5-mini', roles: ['reviewer', 'validator'] },
    { provider: 'gemini', model: 'gemini-2.5-flash', roles: ['reviewer'] },
  ];

  it('a split review triggers the validator, which sees the patch, both reviews and the check output, and its vote decides', async () => {
    server.respond(splitReviewOfTests);
    const { state } = await run(server, team, { reviewersPerPatch: 2, checkCommand: 'node --test', validator: 'disagreement' });
    assert.equal(state.status, 'completed', state.error?.message);
    const tests = state.patches['test-pagination.r1']!;
    assert.deepEqual(tests.reviews.map((r) => r.verdict).sort(), ['approve', 'reject']);
    assert.equal(`${tests.validatorVerdict?.provider}/${tests.validatorVerdict?.model}`, 'openai/gpt-5-mini');
    assert.equal(tests.validatorVerdict?.verdict, 'approve');
    assert.equal(tests.status, 'accepted');
    assert.match(tests.decision!.reason, /majority: 1 of 2 reviewers approved, the validator approved/);
    const asked = server.requests.filter((q) => q.system.includes('Role: validator'));
    const forTests = asked.find((q) => q.prompt.includes('Task (test-pagination)'))!;
    assert.match(forTests.prompt, /Reviewer 1: (approve|reject)[\s\S]*Reviewer 2: (approve|reject)/);
    assert.match(forTests.prompt, /add an HTTP-level test of \?page=2/);
    assert.match(forTests.prompt, /The check command `node --test` passed/);
    assert.match(forTests.prompt, /"path": "test\/users\.test\.js"/);
    // the README's reviewers agreed (reject, then approve): no validator; the pagination task is rated high: validated anyway
    assert.equal(state.patches['document-api.r1']!.validatorVerdict, undefined);
    assert.equal(state.patches['document-api.r2']!.validatorVerdict, undefined);
    assert.equal(state.patches['paginate-users.r2']!.validatorVerdict?.verdict, 'approve');
    assert.deepEqual(asked.map((q) => /Task \(([a-z-]+)\)/.exec(q.prompt)![1]).sort(), ['paginate-users', 'test-pagination']);
  });

  it('with the validator off the same split is decided by the reviewers alone, and a majority tie rejects', async () => {
    server.respond(splitReviewOfTests);
    const { state } = await run(server, team, { reviewersPerPatch: 2, checkCommand: 'node --test', validator: 'off' });
    assert.equal(server.requests.filter((q) => q.system.includes('Role: validator')).length, 0);
    const tests = state.patches['test-pagination.r1']!;
    assert.equal(tests.status, 'rejected');
    assert.match(tests.decision!.reason, /majority: 1 of 2 reviewers approved$/);
    assert.equal(state.tasks['test-pagination']!.status, 'rejected');
  });

  it('after learning that a cheap model is enough for low-complexity docs but not for high-complexity code, routes the docs task to it', async () => {
    server.respond(sampleTeam);
    const writers: ModelCandidate[] = [
      { provider: 'openai', model: 'gpt-5-mini', roles: ['coder', 'tester'], priorQuality: 0.3 },
      { provider: 'anthropic', model: 'claude-opus-4-1', roles: ['planner', 'coder', 'tester'], priorQuality: 0.8 },
      { provider: 'gemini', model: 'gemini-2.5-flash', roles: ['reviewer', 'validator'] },
    ];
    const coderOf = (events: Awaited<ReturnType<typeof run>>['events'], task: string) => {
      const routed = events.find((e) => e.type === 'task.routed' && e.data.taskId === task && e.data.role !== 'reviewer' && e.data.role !== 'validator');
      return routed?.type === 'task.routed' ? routed.data : undefined;
    };
    const before = await run(server, writers, { reviewersPerPatch: 1, validator: 'off', maxRounds: 1 });
    assert.equal(coderOf(before.events, 'document-api')?.model, 'claude-opus-4-1', 'untried, the cheap model is below the quality floor');

    // what earlier runs showed, as the performance store folds it: per (role, complexity) context
    const learned = new PerformanceStore();
    for (let i = 0; i < 20; i++) {
      learned.quality('openai', 'gpt-5-mini', 'coder', 1, 'low');
      learned.quality('openai', 'gpt-5-mini', 'coder', 0, 'high');
      learned.quality('anthropic', 'claude-opus-4-1', 'coder', 1, 'low');
      learned.quality('anthropic', 'claude-opus-4-1', 'coder', 1, 'high');
    }
    server.reset();
    server.respond(sampleTeam);
    const after = await run(server, writers, { reviewersPerPatch: 1, validator: 'off', maxRounds: 1 }, learned);
    const docs = coderOf(after.events, 'document-api')!;
    assert.equal(docs.model, 'gpt-5-mini');
    assert.match(docs.reason, /for low complexity/);
    assert.equal(coderOf(after.events, 'paginate-users')?.model, 'claude-opus-4-1', 'high-complexity code stays on the model that does it well');
    const billed = (events: typeof after.events, task: string) => events.reduce((n, e) => n + (e.type === 'agent.call.finished' && e.data.taskId === task ? e.data.costUsd ?? 0 : 0), 0);
    assert.ok(billed(after.events, 'document-api') < billed(before.events, 'document-api') / 5, 'the docs task cost far less');
  });
});

describe('consensus with the validator, complexity fields, pinned models', () => {
  const approve = { verdict: 'approve' as const };
  const reject = { verdict: 'reject' as const };

  it('the validator is one more vote: it breaks a majority tie, is outvoted by a clear majority, and blocks under unanimous and veto', () => {
    assert.equal(decide('majority', true, [approve, reject], reject).decision, 'reject');
    assert.equal(decide('majority', true, [approve, reject], approve).decision, 'accept');
    assert.equal(decide('majority', true, [approve, approve], reject).decision, 'accept');
    assert.equal(decide('unanimous', true, [approve, approve], reject).decision, 'reject');
    assert.equal(decide('veto', true, [approve, reject], approve).decision, 'reject');
    assert.equal(decide('majority', false, [approve, approve], approve).decision, 'reject', 'a failed check is not outvoted');
  });

  it('old SpecDocs and run options without the new fields still parse', () => {
    const task = { id: 't1', title: 'x', description: 'y', kind: 'code', files: [], dependsOn: [] };
    assert.equal(SpecDocSchema.parse({ objective: 'o', summary: 's', tasks: [task] }).tasks[0]!.complexity, undefined);
    assert.throws(() => SpecDocSchema.parse({ objective: 'o', summary: 's', tasks: [{ ...task, complexity: 'extreme' }] }));
    const { validator: _v, ...old } = DEFAULT_RUN_OPTIONS;
    assert.equal(RunOptionsSchema.parse(old).validator, undefined);
  });

  it('models pinned for a complexity are the only candidates there, and only there', () => {
    const router = new Router({
      candidates: [{ provider: 'openai', model: 'gpt-5-mini' }, { provider: 'anthropic', model: 'claude-opus-4-1' }],
      performance: new PerformanceStore(),
      prices: { priceOf: (_p, m) => (m === 'gpt-5-mini' ? { input: 0.25, output: 2 } : { input: 15, output: 75 }) },
      explore: false,
      seed: 1,
      pinned: { high: [{ provider: 'anthropic', model: 'claude-opus-4-1' }] },
    });
    assert.equal(router.route({ role: 'coder', complexity: 'high' }).model, 'claude-opus-4-1');
    assert.match(router.route({ role: 'coder', complexity: 'high' }).reason, /for high complexity \(pinned\)/);
    assert.equal(router.route({ role: 'coder', complexity: 'low' }).model, 'gpt-5-mini');
    assert.equal(router.route({ role: 'reviewer', complexity: 'high', exclude: [{ provider: 'anthropic', model: 'claude-opus-4-1' }] }).model, 'gpt-5-mini', 'a pinned model that is excluded leaves the others');
  });
});
