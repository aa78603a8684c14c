// One review for every process: the window and the CLI decide hunks of the same run at the same
// time, each sees the other's decisions (the window within a second or so: it follows the log), and
// nothing is lost or decided twice.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { eventually, hunks, reviewState, root, SAMPLE_OBJECTIVE } from './support/workbench';

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [process.env.CC_E2E_CLI!, ...args, '--cwd', root()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('review followed across processes', function () {
  this.timeout(180_000);

  it('the CLI and the window decide hunks of one run at once; the CLI’s decision shows in the window, the window’s in the CLI', async () => {
    const result = await vscode.commands.executeCommand<{ runId: string; status: string }>('codecompanion.runObjective', { objective: SAMPLE_OBJECTIVE, budgetUsd: 1, apply: false });
    assert.equal(result?.status, 'completed');
    const pending = hunks((await reviewState())!).filter((h) => h.hunk.decision === 'pending');
    assert.ok(pending.length >= 2, `two pending hunks needed, got ${pending.length}`);
    const [mine, theirs] = pending;
    const [cliResult] = await Promise.all([
      cli(['review', 'reject', theirs!.hunk.id, '--reason', 'from the terminal']),
      vscode.commands.executeCommand('codecompanion.rejectHunk', { hunk: mine!.hunk.id, reason: 'from the window' }),
    ]);
    assert.equal(cliResult.code, 0, cliResult.stderr);
    const seenAt = Date.now();
    await eventually(
      async () => hunks((await reviewState())!).find((h) => h.hunk.id === theirs!.hunk.id)?.hunk.decision === 'rejected',
      15_000,
      () => `the window never showed the CLI's reject of ${theirs!.hunk.id}`,
    );
    console.log(`[cc-e2e] a CLI decision showed in the window ${Date.now() - seenAt} ms after the CLI exited`);
    const state = (await reviewState())!;
    assert.equal(hunks(state).find((h) => h.hunk.id === theirs!.hunk.id)?.hunk.reason, 'from the terminal');
    assert.equal(hunks(state).find((h) => h.hunk.id === mine!.hunk.id)?.hunk.decision, 'rejected');
    const listed = await cli(['review', result!.runId, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const cliHunks = (JSON.parse(listed.stdout) as { patches: { hunks: { id: string; decision: string; reason?: string }[] }[] }[])[0]!.patches.flatMap((p) => p.hunks);
    assert.equal(cliHunks.find((h) => h.id === mine!.hunk.id)?.reason, 'from the window', 'the CLI sees the window’s decision');
    assert.equal(cliHunks.filter((h) => h.decision === 'rejected').length, 2);
  });
});
