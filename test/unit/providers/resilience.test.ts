// The resilient client's cross-vendor behaviour through the real SDKs: failover, the circuit
// breaker, the total deadline, prompt caching and unknown prices.
import { strict as assert } from 'node:assert';
import { startFakeModelServer, type FakeModelServer } from '../../fakes/fakeModelServer';
import { FakeClock } from '../../fakes/fakeClock';
import { createProviderRegistry } from '../../../src/providers/registry';
import { ModelError, type ModelRequest } from '../../../src/core/ports/model';
import { collect } from '../../helpers/modelStream';
import { FAKE_KEYS as KEYS } from '../../fakes/fakeKeys';

let server: FakeModelServer;
before(async () => (server = await startFakeModelServer()));
after(async () => server.close());
beforeEach(() => server.reset());

function registry(clock: FakeClock, extra: Partial<Parameters<typeof createProviderRegistry>[0]> = {}) {
  return createProviderRegistry(
    {
      providers: {
        anthropic: { apiKey: KEYS.anthropic, baseUrl: server.urls.anthropic },
        openai: { apiKey: KEYS.openai, baseUrl: server.urls.openai },
        gemini: { apiKey: KEYS.gemini, baseUrl: server.urls.gemini },
      },
      retry: { stallMs: 300, maxAttempts: 2 },
      ...extra,
    },
    { clock, random: () => 0.5 },
  );
}

const request = (model: string, extra: Partial<ModelRequest> = {}): ModelRequest => ({
  model,
  messages: [{ role: 'user', content: 'Add pagination to GET /users.' }],
  maxOutputTokens: 256,
  ...extra,
});

describe('resilient client across vendors', () => {
  it('fails over to the configured fallback model once the primary gives up, and bills both', async () => {
    server.enqueue({ fault: 'server', status: 503 }, { fault: 'server', status: 529 }, { text: 'from the fallback', usage: { input: 40, output: 4, cacheRead: 0, cacheWrite: 0 } });
    const clock = new FakeClock();
    const client = registry(clock, { fallback: { provider: 'openai', model: 'gpt-5' } }).client('anthropic')!;
    const { deltas, result } = await collect(client.stream(request('claude-sonnet-4-6')));
    assert.equal(result.text, 'from the fallback');
    assert.equal(result.provider, 'openai');
    assert.equal(result.model, 'gpt-5');
    assert.equal(result.attempts, 3);
    assert.deepEqual(
      server.requests.map((r) => `${r.vendor}:${r.model}`),
      ['anthropic:claude-sonnet-4-6', 'anthropic:claude-sonnet-4-6', 'openai:gpt-5'],
    );
    assert.ok(!deltas.some((d) => d.type === 'text' && d.attempt < 3), 'nothing streamed before the fallback answered');
    assert.equal(result.usage.inputTokens, 40);
  });

  it('opens the circuit after repeated failures, fails fast without a request, then lets one trial through after the cooldown', async () => {
    const clock = new FakeClock();
    const reg = registry(clock, { retry: { maxAttempts: 1, stallMs: 300 } });
    const client = reg.client('openai')!;
    for (let i = 0; i < 5; i++) {
      server.enqueue({ fault: 'server', status: 500 });
      await assert.rejects(collect(client.stream(request('gpt-5-mini'))), (e: unknown) => e instanceof ModelError && e.kind === 'server');
    }
    const before = server.requests.length;
    await assert.rejects(collect(client.stream(request('gpt-5-mini'))), (e: unknown) => e instanceof ModelError && e.kind === 'circuit_open' && /paused for 30 s/.test(e.message));
    assert.equal(server.requests.length, before, 'an open circuit sends nothing');
    // other providers have their own breaker
    server.enqueue({ text: 'gemini is fine' });
    assert.equal((await collect(reg.client('gemini')!.stream(request('gemini-2.5-flash')))).result.text, 'gemini is fine');
    clock.advance(30_000);
    server.enqueue({ text: 'recovered' });
    assert.equal((await collect(client.stream(request('gpt-5-mini')))).result.text, 'recovered');
  });

  it('gives up before the total deadline rather than sleeping past it, and says so', async () => {
    server.enqueue({ fault: 'rate_limit', retryAfterSeconds: 120 });
    const clock = new FakeClock();
    const client = registry(clock, { retry: { maxAttempts: 4, deadlineMs: 60_000, stallMs: 300 } }).client('openai')!;
    await assert.rejects(collect(client.stream(request('gpt-5-mini'))), (e: unknown) => {
      assert.ok(e instanceof ModelError);
      assert.equal(e.kind, 'rate_limit');
      assert.match(e.message, /would pass the 60 s deadline/);
      return true;
    });
    assert.equal(server.requests.length, 1);
    assert.equal(clock.sleeps.length, 0);
  });

  it("honours Gemini's RetryInfo delay", async () => {
    server.enqueue({ fault: 'rate_limit', retryAfterSeconds: 9 }, { text: 'after RetryInfo' });
    const clock = new FakeClock();
    const { result } = await collect(registry(clock).client('gemini')!.stream(request('gemini-2.5-flash')));
    assert.equal(result.text, 'after RetryInfo');
    assert.ok(clock.sleeps[0]! >= 9000 && clock.sleeps[0]! < 12_000, `slept ${clock.sleeps[0]} ms`);
  });

  it('marks the stable prefix with cache_control for Anthropic and reports cache tokens for every vendor at cache prices', async () => {
    const usage = { input: 100, output: 20, cacheRead: 3000, cacheWrite: 500 };
    const system = [{ text: 'You are a careful engineer. '.repeat(50), cache: true }, { text: 'Task: paginate.' }];
    for (const [provider, model] of [['anthropic', 'claude-sonnet-4-6'], ['openai', 'gpt-5-mini'], ['gemini', 'gemini-2.5-flash']] as const) {
      server.reset();
      server.enqueue({ text: 'ok', usage });
      const reg = registry(new FakeClock());
      const { result } = await collect(reg.client(provider)!.stream(request(model, { system })));
      assert.equal(result.usage.cacheReadTokens, 3000, provider);
      assert.equal(result.usage.inputTokens, 100, `${provider}: cached tokens are not counted again as input`);
      const price = reg.priceBook.priceOf(provider, model)!;
      assert.ok(price.cacheRead !== undefined && price.cacheRead < price.input, `${provider} has a cheaper cache-read price`);
      if (provider === 'anthropic') {
        assert.equal(result.usage.cacheWriteTokens, 500);
        const sent = server.requests[0]!.body.system as { cache_control?: unknown }[];
        assert.deepEqual(sent.map((b) => b.cache_control ?? null), [{ type: 'ephemeral' }, null]);
      }
      const expected = (100 * price.input + 20 * price.output + 3000 * price.cacheRead + (provider === 'anthropic' ? 500 * price.cacheWrite! : 0)) / 1e6;
      assert.ok(Math.abs(result.costUsd! - expected) < 1e-12, `${provider}: ${result.costUsd} vs ${expected}`);
    }
  });

  it('reports the cost of a model with no price as unknown, never as $0', async () => {
    server.enqueue({ text: 'ok' });
    const { result } = await collect(registry(new FakeClock()).client('openai')!.stream(request('my-finetune-2026')));
    assert.equal(result.costUsd, null);
    assert.ok(result.usage.inputTokens > 0);
  });

  it('takes price overrides from configuration', async () => {
    server.enqueue({ text: 'ok', usage: { input: 1_000_000, output: 0, cacheRead: 0, cacheWrite: 0 } });
    const reg = registry(new FakeClock(), { prices: { openai: { 'my-finetune-2026': { input: 2, output: 8 } } } });
    const { result } = await collect(reg.client('openai')!.stream(request('my-finetune-2026')));
    assert.equal(result.costUsd, 2);
  });
});
