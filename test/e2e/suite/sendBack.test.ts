// A rejected hunk goes back to its author: reject the README with a reason, Send Back, and the
// author's new round (reviewed on another model) is pending in the review; accepting it writes the
// README the reason asked for.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { hunks, reviewState, root, SAMPLE_OBJECTIVE } from './support/workbench';

const REASON = 'Say what GET /users/:id answers when the id is not a number';

interface Asked {
  readonly kind: string;
  readonly role: string | null;
  readonly grep?: boolean;
}

async function asked(grep: string): Promise<Asked[]> {
  const res = await fetch(`${process.env.CC_E2E_FAKE_CONTROL}/requests?grep=${encodeURIComponent(grep)}`);
  return (await res.json()) as Asked[];
}

describe('send back to the author', function () {
  this.timeout(120_000);

  it('a rejected README hunk with a reason goes back to its author; the revised patch is pending and, accepted, is on disk', async () => {
    const readme = path.join(root(), 'README.md');
    if (fs.existsSync(readme)) fs.rmSync(readme); // a file left by an earlier test would change what the author is shown
    const run = await vscode.commands.executeCommand<{ runId: string; status: string }>('codecompanion.runObjective', { objective: SAMPLE_OBJECTIVE, budgetUsd: 1, apply: false });
    assert.equal(run?.status, 'completed');
    const pick = hunks((await reviewState())!).find((h) => h.file === 'README.md' && h.patchId.startsWith('document-api.'));
    assert.ok(pick, 'the run proposed no README hunk');
    await vscode.commands.executeCommand('codecompanion.rejectHunk', { patchId: pick.patchId, file: pick.file, hunk: pick.hunk.index, reason: REASON });
    assert.equal(fs.existsSync(readme), false, 'rejecting the README wrote it');
    const before = (await asked(REASON)).length;

    const t0 = Date.now();
    const result = await vscode.commands.executeCommand<{ runId: string; status: string; patchId: string | null }>('codecompanion.sendBack', { runId: run.runId, patchId: pick.patchId });
    console.log(`[cc-e2e] send back: ${result?.status} in ${Date.now() - t0} ms, new patch ${result?.patchId}`);
    assert.deepEqual(result, { runId: run.runId, status: 'completed', patchId: 'document-api.r3' });

    const requests = (await asked(REASON)).slice(before);
    const coder = requests.filter((r) => r.kind === 'chat' && r.role === 'coder');
    assert.ok(coder.length > 0 && coder.every((r) => r.grep), "the author's new round did not carry the user's reason");
    assert.equal(requests.filter((r) => r.role === 'planner').length, 0, 'a revision does not plan again');
    assert.ok(requests.some((r) => r.role === 'reviewer'), 'the new round was not reviewed');

    const state = (await reviewState())!;
    assert.equal(state.runId, run.runId);
    assert.ok(!state.patches.some((p) => p.patchId === pick.patchId), 'the patch sent back is still in the review');
    const revised = state.patches.find((p) => p.patchId === 'document-api.r3');
    assert.ok(revised, `no document-api.r3 in the review: ${state.patches.map((p) => p.patchId).join(', ')}`);
    assert.ok(revised.files.flatMap((f) => f.hunks).every((h) => h.decision === 'pending'), 'the revised patch is not pending');
    assert.ok(state.patches.some((p) => p.patchId !== 'document-api.r3' && p.files.some((f) => f.hunks.some((h) => h.decision === 'pending'))), "the other patches' pending hunks were lost");

    const outcome = await vscode.commands.executeCommand<{ applied: number }>('codecompanion.acceptFile', { patchId: 'document-api.r3', file: 'README.md' });
    assert.equal(outcome?.applied, 1);
    assert.match(fs.readFileSync(readme, 'utf8'), /400 when the id is not a number/);
  });
});
