// The controls users can now reach: rate limits per provider and the fallback, from settings (editor)
// and the environment or flags (CLI), each bad value one clear line.
import { strict as assert } from 'node:assert';
import { fallbackFrom, limitsFrom, providerConfigFrom, readSettings } from '../../../src/app/editorSettings';
import { parseRateLimits, providerLimits, withFlagLimits } from '../../../src/app/providerLimits';
import { ENV_KEYS } from '../../../src/providers/config';
import { telemetryConfig } from '../../../src/telemetry/telemetryConfig';
import { runCli } from '../../helpers/cliRunner';
import { sampleWorkspace } from '../orchestrator/helpers';

const settings = (values: Record<string, unknown>) => readSettings((k) => values[k]);

describe('controls: rate limits, fallback and telemetry settings', () => {
  it('parses rate limits from JSON and flags, per provider, and hands them to the limiter with the concurrency', () => {
    const env = parseRateLimits('{"anthropic": {"requestsPerMinute": 50, "tokensPerMinute": 40000}}', 'CODECOMPANION_RATE_LIMITS');
    const merged = withFlagLimits(withFlagLimits(env, '--rpm', ['openai=500', 'anthropic=20']), '--tpm', ['openai=90000']);
    assert.deepEqual(merged, { anthropic: { requestsPerMinute: 20, tokensPerMinute: 40000 }, openai: { requestsPerMinute: 500, tokensPerMinute: 90000 } });
    const limits = providerLimits(merged, 3);
    assert.deepEqual(limits.anthropic, { concurrency: 3, requestsPerMinute: 20, tokensPerMinute: 40000 });
    assert.deepEqual(limits.gemini, { concurrency: 3 });
  });

  it('says in one line what is wrong with a bad limit', () => {
    assert.throws(() => parseRateLimits('{"anthropic": {"requestsPerMinute": -1}}', 'CODECOMPANION_RATE_LIMITS'), (e: Error) => /^CODECOMPANION_RATE_LIMITS: /.test(e.message) && !e.message.includes('\n'));
    assert.throws(() => parseRateLimits('{nope', 'X'), /X is not JSON/);
    assert.throws(() => withFlagLimits({}, '--rpm', ['mistral=5']), /--rpm takes PROVIDER=N/);
  });

  it('the editor reads rateLimits, fallback and telemetry settings; a bad entry is dropped, the rest kept', () => {
    const s = settings({ concurrency: 2, rateLimits: { anthropic: { requestsPerMinute: 30 }, openai: { requestsPerMinute: 'lots' }, nobody: { requestsPerMinute: 1 } }, fallback: 'gemini:gemini-2.5-pro', 'telemetry.otlpEndpoint': 'http://127.0.0.1:4318', 'telemetry.captureContent': true });
    assert.deepEqual(limitsFrom(s).anthropic, { concurrency: 2, requestsPerMinute: 30 });
    assert.deepEqual(limitsFrom(s).openai, { concurrency: 2 });
    const config = providerConfigFrom(s, { anthropic: 'k', gemini: 'k' }, {}, ENV_KEYS);
    assert.deepEqual(config.fallback, { provider: 'gemini', model: 'gemini-2.5-pro' });
    const t = telemetryConfig({}, s.telemetry)!;
    assert.equal(t.tracesUrl, 'http://127.0.0.1:4318/v1/traces');
    assert.equal(t.metricsUrl, 'http://127.0.0.1:4318/v1/metrics');
    assert.equal(t.captureContent, true);
  });

  it('the editor honours CODECOMPANION_FALLBACK when the setting is empty (failover was CLI-only)', () => {
    assert.deepEqual(fallbackFrom(settings({}), { CODECOMPANION_FALLBACK: 'openai' }), { provider: 'openai' });
    assert.equal(fallbackFrom(settings({}), {}), undefined);
  });

  it('telemetry is off unless an endpoint is set, OTEL_SDK_DISABLED wins, and per-signal variables are used as they are', () => {
    assert.equal(telemetryConfig({}), undefined);
    assert.equal(telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318', OTEL_SDK_DISABLED: 'true' }), undefined);
    const c = telemetryConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x:4318/custom/traces' })!;
    assert.equal(c.tracesUrl, 'http://x:4318/custom/traces');
    assert.throws(() => telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://x:4317' }), /must be an http\(s\) URL/);
  });

  it('the CLI refuses a bad --rpm, --fallback or CODECOMPANION_RATE_LIMITS with exit 2 and one line', async () => {
    const cwd = sampleWorkspace();
    const env = { ANTHROPIC_API_KEY: 'k' };
    for (const [argv, extra, pattern] of [
      [['--rpm', 'anthropic=many'], {}, /--rpm takes PROVIDER=N/],
      [['--fallback', 'mistral'], {}, /--fallback names an unknown provider 'mistral'/],
      [[], { CODECOMPANION_RATE_LIMITS: '[1]' }, /CODECOMPANION_RATE_LIMITS: /],
      [[], { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, /OTEL_EXPORTER_OTLP_ENDPOINT \(traces\) is not a URL/],
    ] as const) {
      const r = await runCli(['run', 'x', '--cwd', cwd, ...argv], { env: { ...env, ...extra } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr.split('\n')[0]!, pattern);
    }
  });
});
