// A prompt-injected team in the real editor (the fake vendors answer these objectives with hostile
// patches, and every reviewer approves): a patch into .git and .codecompanion never reaches the
// review or the disk, and a sensitive file stays pending through Accept All until it is accepted by name.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { E2E_HOSTILE } from '../../fakes/hostileTeam';
import { cliEventLines, eventually, hunks, reviewState, root } from './support/workbench';

describe('hostile model in the editor: protected and sensitive paths', function () {
  this.timeout(120_000);

  it('a patch into .git/hooks and .codecompanion is refused with the rule named, and nothing is written or offered for review', async () => {
    const { objective } = E2E_HOSTILE.protected;
    const result = await vscode.commands.executeCommand<{ runId: string; status: string }>('codecompanion.runObjective', { objective, budgetUsd: 1, apply: false });
    assert.ok(result?.runId, `runObjective resolved to ${JSON.stringify(result)}`);
    assert.equal(fs.existsSync(path.join(root(), '.git/hooks/post-checkout')), false);
    assert.equal(fs.existsSync(path.join(root(), '.codecompanion/journal-999999.log')), false);
    const state = await reviewState();
    assert.ok(!state || state.runId !== result.runId || hunks(state).every((h) => !h.file.startsWith('.git') && !h.file.startsWith('.codecompanion')), 'a protected file was offered for review');
    const events = (await cliEventLines(result.runId)).join('\n');
    assert.match(events, /protected path rule '\.git\/\*\*'/);
    assert.match(events, /protected path rule '\.codecompanion\/\*\*'/);
  });

  it('Accept All applies the rest and leaves the sensitive file pending; accepting that file by name applies it', async () => {
    const { objective } = E2E_HOSTILE.sensitive;
    const workflow = '.github/workflows/hostile.yml';
    const result = await vscode.commands.executeCommand<{ runId: string; status: string }>('codecompanion.runObjective', { objective, budgetUsd: 1, apply: false });
    assert.equal(result?.status, 'completed');
    // the window's review follows the run last brought up (the review projection, read when the run ends)
    await eventually(async () => (await reviewState())?.runId === result.runId, 30_000, () => `the review did not move to run ${result.runId}`);
    const state = (await reviewState())!;
    assert.equal(state.runId, result.runId);
    assert.deepEqual(hunks(state).map((h) => h.file).sort(), [workflow, 'docs/port.md']);

    const all = await vscode.commands.executeCommand<{ applied: number; held?: { path: string; rule: string }[] }>('codecompanion.acceptAll', { acceptSensitive: [] });
    assert.deepEqual(all?.held, [{ path: workflow, rule: '.github/workflows/**' }]);
    const after = hunks((await reviewState())!);
    assert.equal(after.find((h) => h.file === 'docs/port.md')?.hunk.decision, 'accepted');
    assert.equal(after.find((h) => h.file === workflow)?.hunk.decision, 'pending', 'Accept All took the sensitive file');
    assert.equal(fs.existsSync(path.join(root(), workflow)), false);
    assert.ok(fs.existsSync(path.join(root(), 'docs/port.md')));

    const other = await vscode.commands.executeCommand<{ applied: number; held?: unknown[] }>('codecompanion.acceptFile', { file: workflow, acceptSensitive: ['docs/other.yml'] });
    assert.equal(other?.applied, 0, 'accepting a different name applied the sensitive file');
    assert.equal(fs.existsSync(path.join(root(), workflow)), false);

    const named = await vscode.commands.executeCommand<{ applied: number }>('codecompanion.acceptFile', { file: workflow, acceptSensitive: [workflow] });
    assert.equal(named?.applied, 1);
    assert.equal(hunks((await reviewState())!).find((h) => h.file === workflow)?.hunk.decision, 'accepted');
    assert.ok(fs.existsSync(path.join(root(), workflow)));
  });
});
