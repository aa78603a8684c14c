// In a workspace the user has not trusted (the harness opens this one in restricted mode), runs are
// read-only: a run asked to apply its patches leaves every file as it was and the patches pending.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { diffSnapshots, reviewState, SAMPLE_OBJECTIVE, snapshot } from './support/workbench';

describe('untrusted workspace', function () {
  this.timeout(120_000);

  it('a run asked to apply changes no file and leaves its patches pending review', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace is trusted: the harness should have opened it in restricted mode');
    const before = snapshot();
    const result = await vscode.commands.executeCommand<{ runId: string; status: string }>('codecompanion.runObjective', { objective: SAMPLE_OBJECTIVE, budgetUsd: 1, apply: true });
    assert.ok(result?.runId, `runObjective resolved to ${JSON.stringify(result)}`);
    assert.equal(result.status, 'completed');
    assert.deepEqual(diffSnapshots(before, snapshot()), [], 'a run in an untrusted workspace changed files');
    const state = await reviewState();
    assert.ok(state && state.runId === result.runId && state.counts.pending > 0, `the run's patches are not pending review: ${JSON.stringify(state?.counts)}`);
    assert.deepEqual(vscode.workspace.textDocuments.filter((d) => d.isDirty).map((d) => d.fileName), [], 'a run in an untrusted workspace edited open documents');
  });
});
