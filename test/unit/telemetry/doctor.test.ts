// codecompanion doctor on a healthy workspace and on each thing that can be wrong: one FAIL line
// naming it, exit 1; a healthy one exits 0. The providers' base URLs are the fake vendor servers.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { runCli } from '../../helpers/cliRunner';
import { fakeEnv, sampleTeamServer, sampleWorkspace, SECRET } from '../orchestrator/helpers';

describe('doctor: the startup report', function () {
  this.timeout(60_000);
  const server = sampleTeamServer();

  async function indexed(): Promise<string> {
    const root = sampleWorkspace();
    const r = await runCli(['index', '--cwd', root], { env: {} });
    assert.equal(r.code, 0, r.stderr);
    return root;
  }

  const fails = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('FAIL'));

  it('a healthy workspace: every provider reachable, the database and the index described, exit 0, no key printed', async () => {
    const root = await indexed();
    const r = await runCli(['doctor', '--cwd', root, '--check', 'node --test'], { env: { ...fakeEnv(server()), CODECOMPANION_FALLBACK: 'openai:gpt-5-mini', CODECOMPANION_RATE_LIMITS: '{"anthropic": {"requestsPerMinute": 50}}' } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(fails(r.stdout), []);
    assert.match(r.stdout, /^CodeCompanion diagnostics: codecompanion \d+\.\d+\.\d+, node /);
    for (const p of ['anthropic', 'openai', 'gemini']) assert.match(r.stdout, new RegExp(`^ok   ${p}: \\S+ \\(key from ${p.toUpperCase()}_API_KEY\\), http://127\\.0\\.0\\.1:\\d+\\S* reachable in \\d+ ms$`, 'm'));
    assert.match(r.stdout, /^off  openai-compatible: not configured$/m);
    assert.match(r.stdout, /^ok   database: .*\.codecompanion: [\d.]+ KiB \(journal [\d.]+ KiB in \d+ file\(s\)\), 0 run\(s\), 0 event\(s\), not locked$/m);
    assert.match(r.stdout, /^ok   memory index: \d+ chunk\(s\) over \d+ file\(s\), [\d.]+ KiB in \S+[/\\]\.codecompanion[/\\]memory, keywords only \(no embedder\), up to date$/m);
    assert.match(r.stdout, /^ok   check command: `node --test` \(from --check\)$/m);
    // no PATH in this environment, so no bwrap: the containment that holds, and why
    assert.match(r.stdout, /^\S+\s+check containment: process group \+ \/proc sweep, .*no sandbox: .*\(bwrap is not installed.*; unshare or setpriv \(util-linux\) is not on PATH\)$/m);
    assert.match(r.stdout, /^ok   limits and fallback: rate limits: anthropic 50 req\/min; fallback: openai:gpt-5-mini$/m);
    assert.match(r.stdout, /^off  telemetry export: off /m);
    assert.ok(!r.stdout.includes(SECRET));

    const json = JSON.parse((await runCli(['doctor', '--cwd', root, '--json'], { env: fakeEnv(server()) })).stdout);
    assert.equal(json.findings.find((f: any) => f.name === 'anthropic').details.reachable, true);
    assert.ok(!JSON.stringify(json).includes(SECRET));
  });

  it('no key anywhere: one line saying what to set, exit 1', async () => {
    const r = await runCli(['doctor', '--cwd', await indexed()], { env: {} });
    assert.equal(r.code, 1);
    assert.deepEqual(fails(r.stdout), ['FAIL providers: no model provider is configured: set an API key (ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY; in the editor: CodeCompanion: Set API Key) or OPENAI_COMPATIBLE_BASE_URL']);
  });

  it('a corrupt database: one line naming it and how to move it aside, exit 1; the file is left untouched', async () => {
    const root = await indexed();
    const file = path.join(root, '.codecompanion', 'state.sqlite');
    fs.writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const before = fs.readFileSync(file);
    const r = await runCli(['doctor', '--cwd', root], { env: fakeEnv(server()) });
    assert.equal(r.code, 1);
    const lines = fails(r.stdout);
    assert.equal(lines.length, 1, r.stdout);
    assert.match(lines[0]!, /^FAIL database: .*\.codecompanion: unusable: .*codecompanion db move-aside --yes$/);
    assert.deepEqual(fs.readFileSync(file), before);
  });

  it('an unreachable base URL: one line naming the provider and URL, within the bounded time, exit 1', async () => {
    // a port that was just free: nothing listens there
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const r = await runCli(['doctor', '--cwd', await indexed(), '--timeout', '2000'], { env: { ...fakeEnv(server()), OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` } });
    assert.equal(r.code, 1);
    assert.deepEqual(fails(r.stdout).map((l) => l.replace(/\d+/g, 'N')), ['FAIL openai: gpt-N-mini (key from OPENAI_API_KEY): http://N.N.N.N:N/vN is unreachable (ECONNREFUSED); check the base URL or the network']);
  });
});
