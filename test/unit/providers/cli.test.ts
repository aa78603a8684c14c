// `codecompanion ask` and `codecompanion providers` in-process, with the SDKs pointed at the fake server.
import { strict as assert } from 'node:assert';
import { startFakeModelServer, type FakeModelServer } from '../../fakes/fakeModelServer';
import { runCli } from '../../helpers/cliRunner';
import { FAKE_KEYS } from '../../fakes/fakeKeys';

let server: FakeModelServer;
before(async () => (server = await startFakeModelServer()));
after(async () => server.close());
beforeEach(() => server.reset());

const SECRETS = { ANTHROPIC_API_KEY: FAKE_KEYS.anthropic, OPENAI_API_KEY: FAKE_KEYS.openai, GEMINI_API_KEY: FAKE_KEYS.gemini };

function env(only?: (keyof typeof SECRETS)[]): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ANTHROPIC_BASE_URL: server.urls.anthropic, OPENAI_BASE_URL: server.urls.openai, GEMINI_BASE_URL: server.urls.gemini };
  for (const [k, v] of Object.entries(SECRETS)) if (!only || only.includes(k as keyof typeof SECRETS)) e[k] = v;
  return e;
}

function assertNoSecret(text: string): void {
  for (const s of Object.values(SECRETS)) assert.ok(!text.includes(s), 'a key was printed');
}

describe('codecompanion ask', () => {
  it('streams the answer to stdout and summarises usage and cost on stderr', async () => {
    server.enqueue({ text: 'Paginate with a cursor.', chunks: 4, usage: { input: 12, output: 6, cacheRead: 0, cacheWrite: 0 } });
    const r = await runCli(['ask', 'how should I paginate?', '--provider', 'anthropic'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Paginate with a cursor.\n');
    assert.match(r.stderr, /anthropic\/claude-sonnet-4-6: 12 in, 6 out, \$0\.000126, 1 attempt\(s\), stop: end/);
    assert.equal(server.requests[0]!.stream, true);
  });

  for (const provider of ['openai', 'gemini', 'anthropic'] as const) {
    it(`--json prints one object with text, usage, cost, attempts and stop reason (${provider})`, async () => {
      server.enqueue({ fault: 'rate_limit', retryAfterSeconds: 0 }, { text: 'forty-two', usage: { input: 30, output: 2, cacheRead: 10, cacheWrite: 0 } });
      const r = await runCli(['ask', 'the answer?', '--provider', provider, '--json'], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.deepEqual(Object.keys(out).sort(), ['attempts', 'costUsd', 'model', 'provider', 'stopReason', 'text', 'usage']);
      assert.equal(out.text, 'forty-two');
      assert.equal(out.provider, provider);
      assert.equal(out.attempts, 2);
      assert.equal(out.stopReason, 'end');
      assert.equal(out.usage.inputTokens, 30);
      assert.equal(out.usage.outputTokens, 2);
      assert.equal(out.usage.cacheReadTokens, 10);
      assert.equal(typeof out.costUsd, 'number');
      assertNoSecret(r.stdout + r.stderr);
    });
  }

  it('prints null, not 0, as the cost of a model with no known price', async () => {
    server.enqueue({ text: 'hi' });
    const r = await runCli(['ask', 'hi', '--provider', 'openai', '--model', 'ft:my-own-model', '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).costUsd, null);
  });

  it('says in one line which variable to set when the key is missing', async () => {
    const r = await runCli(['ask', 'hi', '--provider', 'gemini'], { env: env(['OPENAI_API_KEY']) });
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n')[0], 'codecompanion ask: no API key for gemini: set GEMINI_API_KEY (or run "CodeCompanion: Set API Key" in VS Code)');
    assert.equal(server.requests.length, 0);
  });

  it('names the model when the vendor does not know it, in one line without the key', async () => {
    server.enqueue({ fault: 'http', status: 404, message: `model not found for key ${SECRETS.OPENAI_API_KEY}` });
    const r = await runCli(['ask', 'hi', '--provider', 'openai', '--model', 'gpt-0'], { env: env() });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "codecompanion ask: openai does not know model 'gpt-0' (404): pick another model\n");
  });

  it('does not pass off a truncated answer as a success', async () => {
    server.enqueue({ text: 'a long answer cut by the token limit', stopReason: 'max_tokens' });
    const r = await runCli(['ask', 'write an essay', '--provider', 'openai', '--max-tokens', '8', '--json'], { env: env() });
    assert.equal(r.code, 3);
    assert.equal(JSON.parse(r.stdout).stopReason, 'max_tokens');
    assert.match(r.stderr, /cut at 8 output tokens: raise --max-tokens/);
  });

  it('fails clearly, without a stack or key, after the retries run out', async () => {
    server.respond(() => ({ fault: 'http', status: 401, message: `invalid x-api-key ${SECRETS.ANTHROPIC_API_KEY}` }));
    const r = await runCli(['ask', 'hi', '--provider', 'anthropic'], { env: env() });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    assert.match(r.stderr, /anthropic rejected the API key \(401\)/);
    assertNoSecret(r.stderr);
    assert.equal(server.requests.length, 1, '401 is not retried');
  });
});

describe('codecompanion providers', () => {
  it('lists each provider, checks the configured ones, and prints no key', async () => {
    server.respond((req) => (req.vendor === 'gemini' ? { fault: 'http', status: 403, message: 'API key not valid' } : { text: 'OK' }));
    const r = await runCli(['providers', '--json'], { env: env() });
    assert.equal(r.code, 1, 'a failing provider fails the check');
    const rows = JSON.parse(r.stdout) as { provider: string; configured: boolean; keyFrom: string | null; check: { ok: boolean; detail: string } | null }[];
    const by = Object.fromEntries(rows.map((x) => [x.provider, x]));
    assert.equal(by.anthropic!.check!.ok, true);
    assert.equal(by.openai!.check!.ok, true);
    assert.equal(by.gemini!.check!.ok, false);
    assert.match(by.gemini!.check!.detail, /gemini rejected the API key \(403\)/);
    assert.equal(by.anthropic!.keyFrom, 'ANTHROPIC_API_KEY');
    assert.equal(by['openai-compatible']!.configured, false);
    assertNoSecret(r.stdout + r.stderr);
    assert.ok(server.requests.every((q) => q.body.max_tokens === 16 || q.body.max_completion_tokens === 16 || q.body.generationConfig?.maxOutputTokens === 16), 'checks are capped at 16 output tokens');
  });

  it('prints a table and exits 0 when every configured provider answers', async () => {
    const r = await runCli(['providers'], { env: { ...env(['OPENAI_API_KEY']), OPENAI_COMPATIBLE_BASE_URL: server.urls.openai, CODECOMPANION_OPENAI_COMPATIBLE_MODEL: 'qwen2.5-coder' } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /openai\s+gpt-5-mini at http:\/\/127\.0\.0\.1:\d+\/v1 \(key from OPENAI_API_KEY\) ok in \d+ ms/);
    assert.match(r.stdout, /openai-compatible\s+qwen2\.5-coder at .* \(no key, price unknown\) ok/);
    assert.match(r.stdout, /anthropic\s+not configured \(set ANTHROPIC_API_KEY\)/);
  });

  it('exits 2 (a configuration error) with the variables to set when nothing is configured', async () => {
    const r = await runCli(['providers', '--no-check'], { env: {} });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /none configured: set ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY/);
  });
});
