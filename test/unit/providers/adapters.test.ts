// Each vendor adapter through its real SDK against the loopback fake server.
import { strict as assert } from 'node:assert';
import { startFakeModelServer, type FakeModelServer } from '../../fakes/fakeModelServer';
import { FakeClock } from '../../fakes/fakeClock';
import { collect } from '../../helpers/modelStream';
import { createProviderRegistry, type ProviderRegistry } from '../../../src/providers/registry';
import type { SdkProvider } from '../../../src/providers/config';
import { ModelError, type ModelRequest } from '../../../src/core/ports/model';
import { FAKE_KEY_PATTERN, FAKE_KEYS } from '../../fakes/fakeKeys';

const VENDORS: SdkProvider[] = ['anthropic', 'openai', 'gemini', 'openai-compatible'];
const MODELS: Record<SdkProvider, string> = { anthropic: 'claude-sonnet-4-6', openai: 'gpt-5-mini', gemini: 'gemini-2.5-flash', 'openai-compatible': 'qwen2.5-coder' };

let server: FakeModelServer;
before(async () => (server = await startFakeModelServer()));
after(async () => server.close());
beforeEach(() => server.reset());

export function registryFor(s: FakeModelServer, clock = new FakeClock(), extra: Partial<Parameters<typeof createProviderRegistry>[0]> = {}): ProviderRegistry {
  return createProviderRegistry(
    {
      providers: {
        anthropic: { apiKey: FAKE_KEYS.anthropic, baseUrl: s.urls.anthropic },
        openai: { apiKey: FAKE_KEYS.openai, baseUrl: s.urls.openai },
        gemini: { apiKey: FAKE_KEYS.gemini, baseUrl: s.urls.gemini },
        'openai-compatible': { baseUrl: s.urls.openai, model: 'qwen2.5-coder' },
      },
      retry: { stallMs: 300, maxAttempts: 4 },
      ...extra,
    },
    { clock, random: () => 0.5 },
  );
}


const ask = (provider: SdkProvider, extra: Partial<ModelRequest> = {}): ModelRequest => ({
  model: MODELS[provider],
  system: 'You are a careful engineer.',
  messages: [{ role: 'user', content: 'Add pagination to GET /users.' }],
  maxOutputTokens: 512,
  ...extra,
});

for (const provider of VENDORS) {
  describe(`provider ${provider} through its SDK`, () => {
    it('streams text in several deltas and ends with usage and cost', async () => {
      server.enqueue({ text: 'Use LIMIT and OFFSET with a page query parameter.', chunks: 5, usage: { input: 1200, output: 300, cacheRead: 0, cacheWrite: 0 } });
      const registry = registryFor(server);
      const { deltas, result } = await collect(registry.client(provider)!.stream(ask(provider)));
      const texts = deltas.filter((d) => d.type === 'text');
      assert.ok(texts.length >= 3, `only ${texts.length} text deltas`);
      assert.equal(result.text, 'Use LIMIT and OFFSET with a page query parameter.');
      assert.equal(result.stopReason, 'end');
      assert.deepEqual(result.usage, { inputTokens: 1200, outputTokens: 300, cacheReadTokens: 0, cacheWriteTokens: 0 });
      assert.equal(result.attempts, 1);
      const price = registry.priceBook.priceOf(provider, MODELS[provider]);
      if (provider === 'openai-compatible') assert.equal(result.costUsd, null, 'a local model has no known price: null, not $0');
      else assert.ok(Math.abs(result.costUsd! - (1200 * price!.input + 300 * price!.output) / 1e6) < 1e-12);
      const req = server.requests[0]!;
      assert.equal(req.stream, true);
      assert.match(req.system, /careful engineer/);
      assert.match(req.prompt, /pagination/);
    });

    it('asks for structured output natively and returns the JSON as text', async () => {
      server.enqueue({ json: { verdict: 'approve', score: 0.9 } });
      const schema = { type: 'object', properties: { verdict: { type: 'string' }, score: { type: 'number' } }, required: ['verdict', 'score'] };
      const { result } = await collect(registryFor(server).client(provider)!.stream(ask(provider, { jsonSchema: { name: 'ReviewReport', schema } })));
      assert.deepEqual(JSON.parse(result.text), { verdict: 'approve', score: 0.9 });
      const body = server.requests[0]!.body;
      if (provider === 'anthropic') assert.deepEqual(body.tool_choice, { type: 'tool', name: 'ReviewReport' });
      else if (provider === 'gemini') assert.equal(body.generationConfig.responseMimeType, 'application/json');
      else assert.equal(body.response_format.type, 'json_schema');
    });

    it('returns tool calls with their arguments', async () => {
      server.enqueue({ toolCall: { name: 'read_file', arguments: { path: 'src/users.ts' } } });
      const { result } = await collect(registryFor(server).client(provider)!.stream(ask(provider, { tools: [{ name: 'read_file', description: 'Read a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } }] })));
      assert.equal(result.toolCalls.length, 1);
      assert.equal(result.toolCalls[0]!.name, 'read_file');
      assert.deepEqual(JSON.parse(result.toolCalls[0]!.argumentsJson), { path: 'src/users.ts' });
    });

    it('retries a 429 after the Retry-After the vendor gave, and counts usage once', async () => {
      server.enqueue({ fault: 'rate_limit', retryAfterSeconds: 7 }, { text: 'done' });
      const clock = new FakeClock();
      const { result } = await collect(registryFor(server, clock).client(provider)!.stream(ask(provider)));
      assert.equal(result.text, 'done');
      assert.equal(result.attempts, 2);
      assert.ok(clock.sleeps[0]! >= 7000, `waited ${clock.sleeps[0]} ms`);
      assert.equal(result.usage.outputTokens, server.billed.reduce((n, u) => n + u.output, 0));
    });

    it('retries 500, 503 and 529 with growing backoff', async () => {
      server.enqueue({ fault: 'server', status: 500 }, { fault: 'server', status: 503 }, { fault: 'server', status: 529 }, { text: 'finally' });
      const clock = new FakeClock();
      const { result } = await collect(registryFor(server, clock).client(provider)!.stream(ask(provider)));
      assert.equal(result.text, 'finally');
      assert.equal(result.attempts, 4);
      assert.equal(clock.sleeps.length, 3);
      assert.ok(clock.sleeps[0]! < clock.sleeps[1]! && clock.sleeps[1]! < clock.sleeps[2]!, clock.sleeps.join(','));
    });

    it('treats a stream cut before the completion marker as an error, supersedes its text, and retries', async () => {
      server.enqueue({ fault: 'cut', afterChunks: 2, text: 'half of an answer that will be cut off here' }, { text: 'whole answer' });
      const { deltas, result } = await collect(registryFor(server).client(provider)!.stream(ask(provider)));
      assert.equal(result.text, 'whole answer');
      const superseded = deltas.find((d) => d.type === 'superseded');
      assert.ok(superseded && superseded.type === 'superseded' && superseded.attempt === 1);
      assert.ok(deltas.some((d) => d.type === 'text' && d.attempt === 1), 'the cut attempt streamed text first');
      const billedIn = server.billed.reduce((n, u) => n + u.input, 0);
      assert.equal(result.usage.inputTokens, billedIn, 'usage counted once per billed attempt');
    });

    it('aborts a stalled stream and retries', async () => {
      server.enqueue({ fault: 'stall', afterChunks: 1 }, { text: 'after the stall' });
      const { result, deltas } = await collect(registryFor(server).client(provider)!.stream(ask(provider)));
      assert.equal(result.text, 'after the stall');
      assert.ok(deltas.some((d) => d.type === "superseded" && /stall/.test(d.reason)), JSON.stringify(deltas.filter((d) => d.type === "superseded")));
    });

    it('retries a malformed response', async () => {
      server.enqueue({ fault: 'malformed' }, { text: 'well formed' });
      const { result } = await collect(registryFor(server).client(provider)!.stream(ask(provider)));
      assert.equal(result.text, 'well formed');
      assert.equal(result.attempts, 2);
    });

    it('does not retry a 400, and its error holds no key', async () => {
      server.enqueue({ fault: 'http', status: 400, message: `bad key=${FAKE_KEYS.openai} in request` });
      await assert.rejects(collect(registryFor(server).client(provider)!.stream(ask(provider))), (err: unknown) => {
        assert.ok(err instanceof ModelError);
        assert.equal(err.kind, 'bad_request');
        assert.doesNotMatch(err.message, FAKE_KEY_PATTERN);
        assert.doesNotMatch(JSON.stringify(err.details), FAKE_KEY_PATTERN);
        return true;
      });
      assert.equal(server.requests.length, 1);
    });

    it('stops when the caller aborts', async () => {
      server.enqueue({ fault: 'stall', afterChunks: 1 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(collect(registryFor(server).client(provider)!.stream(ask(provider, { signal: controller.signal }))), (err: unknown) => err instanceof ModelError && err.kind === 'aborted');
    });
  });
}
