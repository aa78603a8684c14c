// A patch the user rejects in review goes back to its author: `codecompanion revise` reopens the
// finished run, the author writes a new round against the files as they are now (with the user's
// reasons and its previous patch), another model reviews it, and the run completes again.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRun } from '../../../src/core/orchestrator/runState';
import { runCli } from '../../helpers/cliRunner';
import { fakeEnv, jsonLines, ofType, sampleTeamServer, sampleWorkspace } from './helpers';

const REASON = 'Say what GET /users/:id answers when the id is not a number';

describe('orchestrator: revision requested from review', function () {
  this.timeout(60_000);
  const server = sampleTeamServer();

  it('sends the patch back to the same author with the reasons, reviews the new round on another model, and completes again', async () => {
    const root = sampleWorkspace();
    const first = await runCli(['run', 'add pagination to the users API', '--cwd', root, '--apply', '--json'], { env: fakeEnv(server()) });
    assert.equal(first.code, 0, first.stderr);
    const runId = jsonLines(first.stdout)[0]!.runId;
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    assert.match(readme, /One user, or 404\./);
    const requestsBefore = server().requests.length;

    const r = await runCli(['revise', runId, 'document-api.r2', '--reason', REASON, '--cwd', root, '--json'], { env: fakeEnv(server()) });
    assert.equal(r.code, 0, r.stderr);
    const added = jsonLines(r.stdout);
    assert.deepEqual(added.map((e) => e.type).filter((t) => !t.startsWith('agent.') && !t.startsWith('budget.') && t !== 'artifact.produced'), [
      'task.revision.requested',
      'task.routed',
      'patch.proposed',
      'patch.validated',
      'task.routed',
      'review.verdict',
      'consensus.reached',
      'patch.accepted',
      'patch.applied',
      'run.completed',
    ]);

    const all = jsonLines((await runCli(['events', runId, '--cwd', root, '--json'])).stdout);
    const state = projectRun(runId, all);
    assert.equal(state.status, 'completed');
    assert.equal(state.revision, undefined, 'the revision ended');
    const r2 = state.patches['document-api.r2']!;
    const r3 = state.patches['document-api.r3']!;
    assert.equal(r3.status, 'applied');
    assert.deepEqual([r3.provider, r3.model], [r2.provider, r2.model], 'the same author');
    assert.ok(r3.reviews.every((v) => `${v.provider}/${v.model}` !== `${r3.provider}/${r3.model}`), 'reviewed by another model');
    assert.equal(state.tasks['document-api']!.status, 'accepted');
    assert.equal(ofType(all, 'run.completed').length, 2);

    // the author saw its previous patch, the user's reason, and the file as it is now
    const coder = server().requests.slice(requestsBefore).find((q) => q.kind === 'chat' && q.system.includes('Role: coder'))!;
    assert.ok(coder.prompt.includes(REASON));
    assert.ok(coder.prompt.includes('the parts of your patch the user accepted are already in them'));
    assert.ok(coder.prompt.includes('Document GET /users (with paging)'), 'the previous patch');
    assert.ok(coder.prompt.includes('One user, or 404.'), 'the README as it is on disk');
    assert.equal(server().requests.slice(requestsBefore).filter((q) => q.system.includes('Role: planner')).length, 0, 'no new plan');

    assert.match(fs.readFileSync(path.join(root, 'README.md'), 'utf8'), /404 when there is none, 400 when the id is not a number\./);
    // the other tasks' files are untouched by the revision
    assert.equal(ofType(added, 'patch.applied').map((e) => e.data.patchId).join(), 'document-api.r3');
  });

  it('refuses clearly: an unknown patch, a run that is not finished, no reason', async () => {
    const root = sampleWorkspace();
    const first = await runCli(['run', 'add pagination to the users API', '--cwd', root, '--json'], { env: fakeEnv(server()) });
    const runId = jsonLines(first.stdout)[0]!.runId;
    const unknown = await runCli(['revise', runId, 'nope.r1', '--reason', 'x', '--cwd', root], { env: fakeEnv(server()) });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /has no patch nope\.r1/);
    const noReason = await runCli(['revise', runId, 'document-api.r2', '--cwd', root], { env: fakeEnv(server()) });
    assert.equal(noReason.code, 2);
    assert.match(noReason.stderr, /say what to change with --reason/);
    const events = jsonLines((await runCli(['events', runId, '--cwd', root, '--json'])).stdout);
    assert.equal(ofType(events, 'task.revision.requested').length, 0, 'nothing was recorded for refused requests');

    const broke = await runCli(['run', 'add pagination to the users API', '--cwd', root, '--budget', '0.0001', '--json'], { env: fakeEnv(server()) });
    assert.equal(broke.code, 1);
    const failed = await runCli(['revise', jsonLines(broke.stdout)[0]!.runId, 'plan', '--reason', 'x', '--cwd', root], { env: fakeEnv(server()) });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /is failed: only a completed run's patches can be sent back/);
  });
});
