// Honest outcomes: a run that produced nothing does not read as a success, a revision that no
// longer applies is not blamed on review, a cancelled agent did not fail, and the CLI's one line
// for a failed check carries its reason.
import { strict as assert } from 'node:assert';
import { LiveRun } from '../../../src/app/dashboard/liveRun';
import { plainRouteReason, problemLine } from '../../../src/app/eventText';
import { event, type RecordedEvent, type RunEvent } from '../../../src/core/events';
import { DEFAULT_RUN_OPTIONS } from '../../../src/core/orchestrator/orchestrator';
import { initialRunState, type PatchState, type RunState } from '../../../src/core/orchestrator/runState';
import { revisionOutcome, runOutcome } from '../../../src/vscode/runOutcome';

const patch = (id: string, over: Partial<PatchState>): PatchState => ({ patchId: id, taskId: 't', round: 1, artifactId: `${id}.a`, provider: 'openai', model: 'm', files: ['a.js'], status: 'rejected', reviews: [], rejectionReasons: [], ...over });

function run(patches: PatchState[], status: RunState['status'] = 'completed'): RunState {
  const s = initialRunState('r');
  return {
    ...s,
    status,
    tasks: { t: { taskId: 't', title: 'T', kind: 'code', files: ['a.js'], dependsOn: [], status: 'rejected', routes: [], patchIds: patches.map((p) => p.patchId) } },
    patches: Object.fromEntries(patches.map((p) => [p.patchId, p])),
  };
}

describe('editor: honest outcomes', () => {
  it('a completed run whose every patch was rejected says it produced nothing to review', () => {
    const reviewed = patch('t.r1', { reviews: [{ artifactId: 'x', provider: 'gemini', model: 'g', verdict: 'reject', score: 0.2 }], decision: { decision: 'reject', reason: 'majority' } });
    const out = runOutcome(run([reviewed]));
    assert.equal(out.forReview, 0);
    assert.match(out.problem ?? '', /nothing to review: 1 patch\(es\) written, 1 rejected by reviewers/);
    assert.deepEqual(runOutcome(run([patch('t.r1', { status: 'accepted' })])), { forReview: 1 });
    // a run still going has no verdict yet
    assert.equal(runOutcome(run([reviewed], 'running')).problem, undefined);
  });

  it('a revision that no longer applies says so, and does not blame review', () => {
    const sentBack = patch('t.r1', { status: 'rejected' });
    const stale = patch('t.r2', { round: 2, validation: { ok: false, applies: false, problems: ['src/users.js: the text to replace was not found'] }, decision: { decision: 'reject', reason: 'validation failed: not reviewed' } });
    const line = revisionOutcome(run([sentBack, stale]), 't.r1');
    assert.match(line, /no longer applies to your files \(src\/users\.js: the text to replace was not found\); no reviewer ran/);
    assert.doesNotMatch(line, /review(ers)? rejected|not accepted by review/);
    const rejected = patch('t.r2', { round: 2, validation: { ok: true, applies: true, problems: [] }, reviews: [{ artifactId: 'x', provider: 'gemini', model: 'g', verdict: 'reject', score: 0.1 }], decision: { decision: 'reject', reason: 'majority' }, rejectionReasons: ['off by one'] });
    assert.match(revisionOutcome(run([sentBack, rejected]), 't.r1'), /reviewers rejected the revised patch \(off by one\)/);
    assert.match(revisionOutcome(run([sentBack]), 't.r1'), /the agent wrote no new patch/);
  });

  it('agents stopped by a cancel are cancelled, not failed', () => {
    const events: RunEvent[] = [
      event('run.started', { v: 1, objective: 'o', options: { ...DEFAULT_RUN_OPTIONS } }),
      event('agent.call.started', { callId: 'c1', taskId: 'plan', role: 'planner', provider: 'anthropic', model: 'm', round: 1, attempt: 1, promptTokens: 10 }),
      event('agent.call.failed', { callId: 'c1', taskId: 'plan', provider: 'anthropic', model: 'm', kind: 'aborted', message: 'cancelled by the user', costUsd: null, durationMs: 5 }),
      event('run.cancelled', { reason: 'cancelled by the user' }),
    ];
    const live = LiveRun.from('r', events.map((e, i) => ({ ...e, runId: 'r', seq: i + 1, globalSeq: i + 1, ts: 1000 + i }) as RecordedEvent));
    const [agent] = live.view([]).agents;
    assert.equal(agent!.status, 'cancelled');
    assert.equal(agent!.outcome, 'stopped: the run was cancelled');
  });

  it("the validation failure line keeps the check's reason on the same line", () => {
    const problem = 'the check command `node --test` exited with 1:\nTAP version 13\n# Subtest: pages\nnot ok 1 - pages the users\n  ---\n  error: expected 2 got 3';
    assert.equal(problemLine(problem), 'the check command `node --test` exited with 1: not ok 1 - pages the users');
    assert.equal(problemLine('src/a.js: the text to replace was not found'), 'src/a.js: the text to replace was not found');
    assert.equal(problemLine('the check command `x` exited with 2:\n'), 'the check command `x` exited with 2');
  });

  it('the router reason reads in plain words', () => {
    assert.equal(plainRouteReason('explore: quality 0.50 at ~$0.0050/call among 6'), 'trying a less-measured model: review score 0.50 at about $0.0050 a call, of 6 models');
    assert.equal(plainRouteReason('back to its author'), 'back to its author');
  });
});
