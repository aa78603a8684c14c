// Activation: nothing runs at startup; the first command activates the extension, which registers
// every command of the contract and reports how long activation took.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'codecompanion.codecompanion';
const CONTRACT_COMMANDS = [
  'codecompanion.runObjective',
  'codecompanion.cancelRun',
  'codecompanion.setApiKey',
  'codecompanion.showDashboard',
  'codecompanion.showRun',
  'codecompanion.acceptHunk',
  'codecompanion.rejectHunk',
  'codecompanion.acceptFile',
  'codecompanion.rejectFile',
  'codecompanion.acceptAll',
  'codecompanion.rejectAll',
  'codecompanion.rollbackRun',
  'codecompanion.internal.reviewState',
  'codecompanion.sendBack',
  'codecompanion.indexWorkspace',
  'codecompanion.internal.search',
];

describe('activation', () => {
  it('is not active at startup, and the first CodeCompanion command activates it', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed in this VS Code`);
    assert.equal(ext.isActive, false, 'the extension activated before any of its commands or views was used');
    const t0 = performance.now();
    const reported = await vscode.commands.executeCommand<{ activationMs: number; moduleLoadMs: number }>('codecompanion.internal.activationTime');
    const firstCommandMs = performance.now() - t0;
    assert.equal(ext.isActive, true, 'running a CodeCompanion command did not activate the extension');
    assert.ok(reported && reported.activationMs > 0, `internal.activationTime answered ${JSON.stringify(reported)}`);
    console.log(`[cc-e2e] activation: activate() ${reported.activationMs.toFixed(1)} ms, first command end to end ${firstCommandMs.toFixed(0)} ms`);
  });

  it('registers every command of the contract', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const missing = CONTRACT_COMMANDS.filter((c) => !all.has(c));
    assert.deepEqual(missing, [], `commands not registered: ${missing.join(', ')}`);
  });
});
