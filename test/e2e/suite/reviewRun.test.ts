// Going back to an earlier run's proposals: after a second run took over the review, Review a Run's
// Patches brings the first run's untouched patches back, every hunk pending.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { hunks, reviewState, SAMPLE_OBJECTIVE } from './support/workbench';

describe("review an earlier run's patches", function () {
  this.timeout(120_000);

  it('brings back the first of two runs for review, and refuses a run that does not exist', async () => {
    const first = await vscode.commands.executeCommand<{ runId: string; status: string }>('codecompanion.runObjective', { objective: SAMPLE_OBJECTIVE, budgetUsd: 1, apply: false });
    const firstHunks = hunks((await reviewState())!).length;
    const second = await vscode.commands.executeCommand<{ runId: string; status: string }>('codecompanion.runObjective', { objective: SAMPLE_OBJECTIVE, budgetUsd: 1, apply: false });
    assert.equal(first?.status, 'completed');
    assert.equal(second?.status, 'completed');
    assert.equal((await reviewState())?.runId, second.runId, 'the newest run is under review');

    const back = await vscode.commands.executeCommand<{ runId: string; patches: number }>('codecompanion.reviewRun', { runId: first.runId });
    assert.equal(back?.runId, first.runId);
    assert.ok(back.patches > 0);
    const state = (await reviewState())!;
    assert.equal(state.runId, first.runId);
    const all = hunks(state);
    assert.equal(all.length, firstHunks, 'the same hunks as when the run ended');
    assert.ok(all.every((h) => h.hunk.decision === 'pending'));

    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('codecompanion.reviewRun', { runId: 'run-that-never-was' })), /there is no run run-that-never-was/);
  });
});
