// Once a run has logged and stored its events, the key from apiKey.test.ts is still nowhere on disk.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanFor } from './support/secretScan';
import { root, serverDir } from './support/workbench';

describe('API keys after a run', () => {
  it('the key set before the run appears in no log, settings or .codecompanion file afterwards', () => {
    const key = process.env.CC_E2E_SECRET;
    assert.ok(key, 'apiKey.test.ts did not run first');
    const scan = scanFor(key, [serverDir(), root()]);
    assert.ok(fs.existsSync(path.join(root(), '.codecompanion')), 'the run left no .codecompanion folder to scan');
    assert.ok(scan.files.some((f) => f.includes(`${path.sep}.codecompanion${path.sep}`)), 'the scan did not cover .codecompanion');
    assert.deepEqual(scan.hits, [], 'the API key was written to disk');
  });
});
