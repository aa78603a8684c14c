// The patch review flow through the real editor API: the sample objective against the fake model
// servers (the scripted sample team), then per-hunk decisions, undo, accept all and rollback. The
// tests build on each other in order, as a user's review does.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { diffSnapshots, eventually, hunks, openDocument, reviewState, root, SAMPLE_OBJECTIVE, saveAll, snapshot, type HunkPick } from './support/workbench';

const USER_NOTE = '// e2e: a note the user wrote after the run';

describe('patch review', function () {
  this.timeout(120_000);
  let original: Map<string, string>;
  let runId: string;
  let accepted: HunkPick;

  before(async () => {
    original = snapshot();
  });

  it('runObjective with apply: false runs the sample objective to the end and leaves its patches pending review, writing nothing', async () => {
    const t0 = Date.now();
    const result = await vscode.commands.executeCommand<{ runId: string; status: string }>('codecompanion.runObjective', { objective: SAMPLE_OBJECTIVE, budgetUsd: 1, apply: false });
    console.log(`[cc-e2e] sample run: ${result?.status} in ${Date.now() - t0} ms`);
    assert.ok(result && typeof result.runId === 'string' && result.runId.length > 0, `runObjective resolved to ${JSON.stringify(result)}`);
    assert.equal(result.status, 'completed');
    runId = result.runId;
    const state = await reviewState();
    assert.ok(state, 'no review state after the run');
    assert.equal(state.runId, runId);
    assert.ok(state.counts.pending > 1, `expected several pending hunks, got ${JSON.stringify(state.counts)}`);
    assert.equal(state.counts.accepted + state.counts.rejected, 0);
    assert.deepEqual(diffSnapshots(original, snapshot()), [], 'a run with apply: false changed the workspace');
  });

  it('accepting one hunk changes its file by that hunk alone, and one undo takes it back', async () => {
    const state = (await reviewState())!;
    const pick = hunks(state).find((h) => h.action === 'modify' && h.hunk.decision === 'pending');
    assert.ok(pick, 'no pending hunk in a modified file');
    accepted = pick;
    const doc = await openDocument(pick.file);
    const before = doc.getText();
    await vscode.commands.executeCommand('codecompanion.acceptHunk', { patchId: pick.patchId, file: pick.file, hunk: pick.hunk.index });
    const after = doc.getText();
    assert.notEqual(after, before, `accepting ${pick.hunk.id} left ${pick.file} as it was`);
    // only the hunk's lines changed: what comes before it and after it is as it was
    const [b, a] = [before.split('\n'), after.split('\n')];
    const { oldStart, removed, added } = pick.hunk;
    assert.equal(a.length - b.length, added - removed, 'the file grew or shrank by more than the hunk');
    assert.deepEqual(a.slice(0, oldStart), b.slice(0, oldStart), 'lines above the hunk changed');
    assert.deepEqual(a.slice(oldStart + added), b.slice(oldStart + removed), 'lines below the hunk changed');
    const now = hunks((await reviewState())!);
    assert.equal(now.find((h) => h.hunk.id === pick.hunk.id)?.hunk.decision, 'accepted');
    const othersInFile = now.filter((h) => h.file === pick.file && h.hunk.id !== pick.hunk.id);
    assert.ok(othersInFile.every((h) => h.hunk.decision === 'pending'), 'accepting one hunk decided others in its file');
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    await eventually(() => doc.getText() === before, 5_000, () => `one undo did not take the accepted hunk back:\n${doc.getText()}`);
    await vscode.commands.executeCommand('redo'); // keep the accepted hunk for the rollback test below
    await eventually(() => doc.getText() === after, 5_000, () => 'redo did not bring the hunk back');
    await saveAll();
    assert.equal(fs.readFileSync(path.join(root(), pick.file), 'utf8'), after);
  });

  it('rejecting a hunk with a reason records the decision and the reason and leaves the file as it is', async () => {
    const all = hunks((await reviewState())!).filter((h) => h.hunk.decision === 'pending');
    // a hunk of a file that exists: a created file (README.md) has nothing on disk to compare; which one comes first depends on timing
    const modified = all.filter((h) => h.action === 'modify');
    const pick = modified.find((h) => h.file !== accepted.file) ?? modified[0];
    assert.ok(pick, 'no pending hunk left to reject');
    const doc = await openDocument(pick.file);
    const before = doc.getText();
    const reason = 'e2e: keep this part as it is';
    await vscode.commands.executeCommand('codecompanion.rejectHunk', { patchId: pick.patchId, file: pick.file, hunk: pick.hunk.index, reason });
    const after = hunks((await reviewState())!).find((h) => h.hunk.id === pick.hunk.id);
    assert.equal(after?.hunk.decision, 'rejected');
    assert.equal(after?.hunk.reason, reason);
    assert.equal(doc.getText(), before, 'rejecting a hunk changed its file');
  });

  it('accept all applies every pending hunk and leaves nothing pending', async () => {
    const pending = hunks((await reviewState())!).filter((h) => h.hunk.decision === 'pending');
    assert.ok(pending.length > 0, 'nothing left to accept');
    await vscode.commands.executeCommand('codecompanion.acceptAll', { runId });
    const state = (await reviewState())!;
    assert.equal(state.counts.pending, 0, `still pending after accept all: ${JSON.stringify(state.counts)}`);
    for (const p of pending) assert.equal(hunks(state).find((h) => h.hunk.id === p.hunk.id)?.hunk.decision, 'accepted');
    await saveAll();
    const changed = new Set(pending.map((p) => p.file));
    const now = snapshot();
    for (const file of changed) assert.notEqual(now.get(file), original.get(file), `${file} holds none of its accepted hunks`);
  });

  it('rollback restores every file the run changed exactly and keeps an edit the user made after the run elsewhere', async () => {
    const target = accepted.file;
    const doc = await openDocument(target);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(1, 0), `${USER_NOTE}\n`);
    assert.ok(await vscode.workspace.applyEdit(edit));
    await doc.save();
    await vscode.commands.executeCommand('codecompanion.rollbackRun', { runId });
    await saveAll();
    const expected = new Map(original);
    const lines = original.get(target)!.split('\n');
    lines.splice(1, 0, USER_NOTE);
    expected.set(target, lines.join('\n'));
    await eventually(() => diffSnapshots(expected, snapshot()).length === 0, 10_000, () => `after rollback:\n${diffSnapshots(expected, snapshot()).join('\n')}`);
  });
});
