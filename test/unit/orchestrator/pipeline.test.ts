// The whole pipeline through the CLI and the real vendor SDKs, against the fake vendor servers
// playing the scripted sample team.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRun } from '../../../src/core/orchestrator/runState';
import { sampleTeam } from '../../fakes/sampleTeam';
import { runCli } from '../../helpers/cliRunner';
import { fakeEnv, jsonLines, ofType, sampleTeamServer, sampleWorkspace, SAMPLES, SECRET } from './helpers';

const OBJECTIVE = 'add pagination to the users API';

describe('orchestrator: a run end to end', function () {
  this.timeout(60_000);
  // a little latency, so parallel calls really overlap
  const server = sampleTeamServer(60);

  it('plans, runs independent tasks in parallel, rejects a patch that breaks the tests, reviews across models and applies', async () => {
    const root = sampleWorkspace();
    const r = await runCli(['run', OBJECTIVE, '--cwd', root, '--check', 'node --test', '--reviewers', '2', '--apply', '--json'], { env: fakeEnv(server()) });
    assert.equal(r.code, 0, r.stderr);
    const events = jsonLines(r.stdout);
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'every event once, in order');
    const state = projectRun(events[0]!.runId, events);
    assert.equal(state.status, 'completed');
    assert.deepEqual(Object.values(state.tasks).map((t) => [t.taskId, t.status]), [['paginate-users', 'accepted'], ['document-api', 'accepted'], ['test-pagination', 'accepted']]);

    // the breaking first patch was caught by the check command and went back to the same author
    const r1 = state.patches['paginate-users.r1']!;
    assert.equal(r1.status, 'rejected');
    assert.match(r1.rejectionReasons[0]!, /node --test.*exited with 1/s);
    const r2 = state.patches['paginate-users.r2']!;
    assert.equal(`${r2.provider}/${r2.model}`, `${r1.provider}/${r1.model}`);
    assert.equal(r2.status, 'applied');

    // the reviewers rejected the first README; its author got their reasons and fixed it
    const d1 = state.patches['document-api.r1']!;
    assert.equal(d1.status, 'rejected');
    assert.deepEqual(d1.reviews.map((r) => r.verdict), ['reject', 'reject']);
    assert.match(d1.rejectionReasons.join('\n'), /major \(README\.md\): .*answer 400/);
    const fixRequest = server().requests.find((q) => q.system.includes('Role: coder') && q.prompt.includes('Your task (document-api)') && q.prompt.includes('was rejected'))!;
    assert.match(fixRequest.prompt, /bad page\/pageSize values answer 400/);
    const d2 = state.patches['document-api.r2']!;
    assert.equal(`${d2.provider}/${d2.model}`, `${d1.provider}/${d1.model}`);
    assert.equal(d2.status, 'applied');

    // reviewers are never the patch's author, and two different models reviewed each patch
    for (const p of Object.values(state.patches).filter((p) => p.reviews.length)) {
      assert.equal(p.reviews.length, 2);
      for (const rv of p.reviews) assert.notEqual(`${rv.provider}/${rv.model}`, `${p.provider}/${p.model}`);
      assert.notEqual(`${p.reviews[0]!.provider}/${p.reviews[0]!.model}`, `${p.reviews[1]!.provider}/${p.reviews[1]!.model}`);
    }

    // the two independent tasks' coders were in flight at the same time
    const started = ofType(events, 'agent.call.started');
    const finished = ofType(events, 'agent.call.finished');
    const startOf = (id: string) => started.find((e) => e.data.callId === id)!.seq;
    const endOf = (id: string) => finished.find((e) => e.data.callId === id)!.seq;
    assert.ok(startOf('document-api.r1.coder.a1') < endOf('paginate-users.r1.coder.a1') && startOf('paginate-users.r1.coder.a1') < endOf('document-api.r1.coder.a1'), 'coders overlapped');
    // the dependent task started only after its dependency was accepted
    const accepted = events.find((e) => e.type === 'patch.accepted' && e.data.taskId === 'paginate-users')!.seq;
    assert.ok(startOf('test-pagination.r1.tester.a1') > accepted);

    // the workspace now holds the reviewed change, and its tests (old and new) pass
    assert.ok(fs.existsSync(path.join(root, 'README.md')));
    assert.match(fs.readFileSync(path.join(root, 'test/users.test.js'), 'utf8'), /pages through users/);
    const tap = execFileSync(process.execPath, ['--test'], { cwd: root, encoding: 'utf8' });
    assert.match(tap, /# pass 4/);

    // usage booked equals what the vendors billed, and the key went nowhere
    assert.equal(state.cost.inputTokens, server().billed.reduce((n, b) => n + b.input, 0));
    assert.equal(state.cost.outputTokens, server().billed.reduce((n, b) => n + b.output, 0));
    const stored = fs.readdirSync(path.join(root, '.codecompanion')).map((f) => fs.readFileSync(path.join(root, '.codecompanion', f)).toString('latin1'));
    for (const text of [r.stdout, r.stderr, ...stored]) assert.ok(!text.includes(SECRET));

    // replay rebuilds the same state from the stored events
    const replayed = await runCli(['replay', state.runId, '--cwd', root, '--json']);
    assert.equal(replayed.code, 0, replayed.stderr);
    const fromStore = JSON.parse(replayed.stdout);
    assert.deepEqual(fromStore.patches, JSON.parse(JSON.stringify(state.patches)));
    assert.equal(fromStore.cost.spentUsd, state.cost.spentUsd);
    const listed = await runCli(['runs', '--cwd', root]);
    assert.match(listed.stdout, new RegExp(`${state.runId}\\s+completed`));
  });

  it('rides out a 429 with Retry-After and a 503 mid-run, billing each answered attempt once', async () => {
    const root = sampleWorkspace();
    let n = 0;
    server().respond((req) => {
      n++;
      if (n === 2) return { fault: 'rate_limit', retryAfterSeconds: 0.2 };
      if (n === 4) return { fault: 'server', status: 503 };
      return sampleTeam(req);
    });
    const r = await runCli(['run', OBJECTIVE, '--cwd', root, '--check', 'node --test', '--json'], { env: fakeEnv(server()) });
    assert.equal(r.code, 0, r.stderr);
    const state = projectRun(jsonLines(r.stdout)[0]!.runId, jsonLines(r.stdout));
    assert.equal(state.status, 'completed');
    assert.equal(state.cost.inputTokens, server().billed.reduce((x, b) => x + b.input, 0));
    assert.ok(server().requests.length > Object.values(state.calls).length, 'the faults were retried');
  });

  it('gives invalid model output one repair round with the validation error, then fails clearly', async () => {
    const root = sampleWorkspace();
    let planCalls = 0;
    server().respond((req) => {
      if (req.system.includes('Role: planner') && ++planCalls === 1) return { json: { objective: OBJECTIVE, summary: 'x', tasks: [] } };
      return sampleTeam(req);
    });
    const r = await runCli(['run', OBJECTIVE, '--cwd', root, '--json'], { env: fakeEnv(server()) });
    assert.equal(r.code, 0, r.stderr);
    const events = jsonLines(r.stdout);
    const plans = ofType(events, 'agent.call.finished').filter((e) => e.data.callId.startsWith('plan.'));
    assert.deepEqual(plans.map((e) => e.data.outcome), ['invalid', 'valid']);
    assert.match(plans[0]!.data.error!, /SpecDoc schema.*tasks/);
    const repair = server().requests.filter((q) => q.system.includes('Role: planner'))[1]!;
    assert.match(repair.prompt, /That output is not valid: SpecDoc schema/);

    server().respond((req) => (req.system.includes('Role: planner') ? { text: 'Sure! Here is my plan: step one...' } : sampleTeam(req)));
    const failed = await runCli(['run', OBJECTIVE, '--cwd', sampleWorkspace()], { env: fakeEnv(server()) });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /failed \(plan\): planning failed: planner output was still invalid after one repair round: not JSON/);
  });

  it('never lets parallel agents spend past the run budget, and stops with a clear budget error', async () => {
    const root = sampleWorkspace();
    const budget = 0.03;
    const r = await runCli(['run', OBJECTIVE, '--cwd', root, '--budget', String(budget), '--reviewers', '2', '--json'], { env: fakeEnv(server()) });
    const events = jsonLines(r.stdout);
    const runId = events[0]!.runId;
    let state = projectRun(runId, []);
    for (const e of events) {
      state = projectRun(runId, events.slice(0, e.seq));
      assert.ok(state.cost.spentUsd + state.cost.reservedUsd <= budget + 1e-9, `over budget at #${e.seq}: ${state.cost.spentUsd} + ${state.cost.reservedUsd}`);
    }
    assert.equal(r.code, 1);
    assert.equal(state.status, 'failed');
    assert.equal(state.error?.reason, 'budget');
    assert.match(state.error!.message, /Raise --budget/);
    assert.ok(ofType(events, 'budget.exceeded').length >= 1);
  });

  it('the bundled sample replays its recorded session with no network and no key', async () => {
    const root = sampleWorkspace();
    fs.rmSync(root, { recursive: true });
    fs.mkdirSync(root);
    const r = await runCli(['run', '--sample', '--cwd', root, '--json'], { env: {} });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /replaying \d+ recorded exchanges/);
    const state = projectRun(jsonLines(r.stdout)[0]!.runId, jsonLines(r.stdout));
    assert.equal(Object.values(state.patches).filter((p) => p.status === 'applied').length, 3);
    assert.match(execFileSync(process.execPath, ['--test'], { cwd: root, encoding: 'utf8' }), /# pass 4/);
    assert.ok(fs.existsSync(path.join(SAMPLES, 'session.jsonl')));
  });

  it('without a key or a recording, says what to set in one line', async () => {
    const r = await runCli(['run', OBJECTIVE, '--cwd', sampleWorkspace()], { env: {} });
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n')[0], 'codecompanion run: no model provider is configured: set ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY (or OPENAI_COMPATIBLE_BASE_URL for a local server), or answer from a recording with --replay FILE');
  });
});
