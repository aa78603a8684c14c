// Once a run has logged and stored its events, the key from apiKey.test.ts is still nowhere on disk.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanFor } from './support/secretScan';
import { root, serverDir } from './support/workbench';

describe('API keys after a run', () => {
  it('the run sent the key stored with setApiKey to the provider, ahead of the one in the environment', async () => {
    const key = process.env.CC_E2E_SECRET;
    assert.ok(key, 'apiKey.test.ts did not run first');
    const res = await fetch(`${process.env.CC_E2E_FAKE_CONTROL}/requests`);
    const requests = (await res.json()) as Array<{ vendor: string; auth: string }>;
    const anthropic = requests.filter((r) => r.vendor === 'anthropic');
    assert.ok(anthropic.length > 0, `the run asked Anthropic nothing (${requests.length} requests in all)`);
    assert.ok(anthropic.every((r) => r.auth.includes(key)), `Anthropic requests carried other keys: ${[...new Set(anthropic.map((r) => r.auth.slice(0, 24)))].join(', ')}`);
  });

  it('the key set before the run appears in no log, settings or .codecompanion file afterwards', () => {
    const key = process.env.CC_E2E_SECRET;
    assert.ok(key, 'apiKey.test.ts did not run first');
    const scan = scanFor(key, [serverDir(), root()]);
    assert.ok(fs.existsSync(path.join(root(), '.codecompanion')), 'the run left no .codecompanion folder to scan');
    assert.ok(scan.files.some((f) => f.includes(`${path.sep}.codecompanion${path.sep}`)), 'the scan did not cover .codecompanion');
    assert.deepEqual(scan.hits, [], 'the API key was written to disk');
  });
});
