// API keys go to SecretStorage and nowhere else on disk: not settings.json, not the logs, not the
// workspace's .codecompanion state (secretsAfterRun.test.ts looks again once a run has logged).
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { scanFor } from './support/secretScan';
import { root, serverDir } from './support/workbench';

describe('API keys', () => {
  it('setApiKey stores the key, and the key is written to no settings, log or .codecompanion file', async () => {
    const key = `e2e-secret-${randomUUID()}`;
    process.env.CC_E2E_SECRET = key;
    await vscode.commands.executeCommand('codecompanion.setApiKey', { provider: 'anthropic', key });
    // the scan must be able to see a key if one were written: a canary in the workspace is found
    const canary = `e2e-canary-${randomUUID()}`;
    fs.writeFileSync(path.join(root(), '.e2e-canary'), canary);
    assert.deepEqual(scanFor(canary, [root()]).hits.map((f) => path.basename(f)), ['.e2e-canary']);
    fs.rmSync(path.join(root(), '.e2e-canary'));
    const scan = scanFor(key, [serverDir(), root()]);
    assert.ok(scan.files.some((f) => f.endsWith(path.join('User', 'settings.json'))), 'the scan did not cover settings.json');
    assert.ok(scan.files.some((f) => f.endsWith('.log')), 'the scan found no log files');
    assert.deepEqual(scan.hits, [], 'the API key was written to disk');
  });
});
