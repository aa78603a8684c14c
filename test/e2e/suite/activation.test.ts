// Activation: nothing runs at startup; the first command activates the extension and registers the contract's commands.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'codecompanion.codecompanion';
const CONTRACT_COMMANDS = ['codecompanion.runObjective'];

describe('activation', () => {
  it('is not active at startup, and the first CodeCompanion command activates it', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed in this VS Code`);
    assert.equal(ext.isActive, false, 'the extension activated before any of its commands or views was used');
    const t0 = performance.now();
    await ext.activate();
    console.log(`[cc-e2e] activation took ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(ext.isActive, true);
  });

  it('registers every command of the contract', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const missing = CONTRACT_COMMANDS.filter((c) => !all.has(c));
    assert.deepEqual(missing, [], `commands not registered: ${missing.join(', ')}`);
  });
});
