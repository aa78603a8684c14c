// Show Run right after a run, in the same window, without a reload (issue 17, defect 1: the panel
// said "pending · Events (0)" for a run of 122 events until the window was reloaded, because the
// window's reader missed what the writer's closing checkpoint had moved into a snapshot).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { cliEventLines, SAMPLE_OBJECTIVE } from './support/workbench';

interface Shown {
  readonly runId: string;
  readonly status: string;
  readonly rows: number;
}

describe('Show Run after a run in the same window', function () {
  this.timeout(240_000);

  it('draws every event of the run just finished, with its final status, without a reload', async () => {
    const result = await vscode.commands.executeCommand<{ runId: string; status: string }>('codecompanion.runObjective', { objective: SAMPLE_OBJECTIVE, budgetUsd: 1, apply: false });
    assert.equal(result?.status, 'completed');
    const stored = (await cliEventLines(result.runId)).length;
    assert.ok(stored > 20, `the run wrote only ${stored} events`);
    // what the run panel's webview holds once it has drawn the log (it reports its row count back)
    const shown = await vscode.commands.executeCommand<Shown | undefined>('codecompanion.showRun', { runId: result.runId });
    assert.ok(shown, 'the run panel never drew the run');
    assert.equal(shown.runId, result.runId);
    assert.equal(shown.rows, stored, `the run panel shows ${shown.rows} events of the ${stored} the run wrote`);
    assert.equal(shown.status, 'completed');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
