// Show Diagnostics in a real VS Code: the report as the editor sees its configuration (the key the
// API-key test put in SecretStorage, the fake vendors' base URLs), no key in it, and the short form
// in the extension's log, written after activation.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { scanFor } from './support/secretScan';
import { root, serverDir } from './support/workbench';

interface Report {
  versions: Record<string, string>;
  findings: { area: string; name: string; status: string; line: string }[];
}

describe('Show Diagnostics', () => {
  it('reports versions, each provider with where its key comes from (never the key), the database and telemetry', async function () {
    this.timeout(60_000);
    const report = await vscode.commands.executeCommand<Report>('codecompanion.showDiagnostics', { silent: true });
    assert.ok(report, 'the command returned no report');
    assert.match(report.versions.vscode ?? '', /^\d+\.\d+\.\d+/);
    assert.match(report.versions.node ?? '', /^\d+\./);
    const anthropic = report.findings.find((f) => f.name === 'anthropic');
    assert.equal(anthropic?.status, 'ok', JSON.stringify(report.findings));
    assert.match(anthropic!.line, /key from SecretStorage\), http:\/\/127\.0\.0\.1:\d+\S* reachable in \d+ ms$/);
    const database = report.findings.find((f) => f.area === 'database');
    assert.ok(database?.line.startsWith(root()), database?.line);
    assert.equal(report.findings.find((f) => f.area === 'telemetry')?.status, 'off');
    const secret = process.env.CC_E2E_SECRET;
    if (secret) assert.ok(!JSON.stringify(report).includes(secret), 'the report holds the key');
  });

  it('wrote its short form to the CodeCompanion log after activation', async function () {
    this.timeout(60_000);
    const deadline = Date.now() + 30_000;
    let hits: string[] = [];
    while (Date.now() < deadline && hits.length === 0) {
      hits = scanFor('diagnostics: providers', [serverDir()]).hits.filter((f) => f.endsWith('.log'));
      if (hits.length === 0) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(hits.length > 0, 'no "diagnostics:" line in the logs');
  });
});
