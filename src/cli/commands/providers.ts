// codecompanion providers [--json] [--no-check]: what is configured (from the environment) and
// whether each answers: a one-line call of at most 16 output tokens through the real client, so a
// wrong key, a wrong base URL or an unknown model shows here rather than in the middle of a run.
// Keys are never printed: only which variable supplied one.
import { ModelError, type ModelClient, type ModelResult } from '../../core/ports/model';
import { redactUrlsIn, redactUrl } from '../../core/urlRedaction';
import { ENV_KEYS, loadProviderConfigFromEnv, SDK_PROVIDERS, SET_A_PROVIDER, type SdkProvider } from '../../providers/config';
import { parseCandidates } from '../../providers/candidates';
import { createProviderRegistry } from '../../providers/registry';
import { parseCommandLine, UsageError, type CliCommand } from '../io';

const OPTIONS = { json: { type: 'boolean' }, 'no-check': { type: 'boolean' } } as const;

interface ProviderStatus {
  readonly provider: SdkProvider;
  readonly configured: boolean;
  /** The environment variable that supplied the key; never the key. */
  readonly keyFrom: string | null;
  readonly baseUrl: string | null;
  readonly model: string | null;
  readonly priced: boolean | null;
  readonly check: { readonly ok: boolean; readonly latencyMs: number; readonly detail: string } | null;
}

export const providersCommand: CliCommand = {
  name: 'providers',
  usage: 'providers [--json] [--no-check]',
  summary: 'list the configured model providers and check that each answers (no key is printed)',
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    if (positionals.length) throw new UsageError(`providers takes no arguments, got '${positionals[0]}'`);
    const config = loadProviderConfigFromEnv(io.env);
    if (io.env.CODECOMPANION_MODELS) parseCandidates(io.env.CODECOMPANION_MODELS); // a bad list is a configuration error here too
    const registry = createProviderRegistry(config);
    const configured = registry.configured();
    const statuses: ProviderStatus[] = [];
    for (const provider of SDK_PROVIDERS) {
      const settings = config.providers[provider];
      if (!settings || !configured.includes(provider)) {
        statuses.push({ provider, configured: false, keyFrom: null, baseUrl: null, model: null, priced: null, check: null });
        continue;
      }
      const model = registry.defaultModel(provider);
      const keyFrom = settings.apiKey ? (io.env[ENV_KEYS[provider].key] ? ENV_KEYS[provider].key : 'GOOGLE_API_KEY') : null;
      statuses.push({
        provider,
        configured: true,
        keyFrom,
        baseUrl: settings.baseUrl ? redactUrl(settings.baseUrl) : null,
        model,
        priced: registry.priceBook.priceOf(provider, model) !== undefined,
        check: values['no-check'] ? null : await check(registry.client(provider)!, model, io.signal),
      });
    }
    if (values.json) io.stdout.write(JSON.stringify(statuses, null, 2) + '\n');
    else io.stdout.write(render(statuses));
    if (configured.length === 0) {
      io.stderr.write(`codecompanion providers: none configured: ${SET_A_PROVIDER}\n`);
      return 2;
    }
    return statuses.some((s) => s.check && !s.check.ok) ? 1 : 0;
  },
};

async function check(client: ModelClient, model: string, signal: AbortSignal): Promise<NonNullable<ProviderStatus['check']>> {
  const started = performance.now();
  try {
    let result: ModelResult | undefined;
    for await (const delta of client.stream({ model, messages: [{ role: 'user', content: 'Reply with the single word OK.' }], maxOutputTokens: 16, signal })) {
      if (delta.type === 'done') result = delta.result;
    }
    const cost = result?.costUsd === null || result === undefined ? 'cost unknown' : `$${result.costUsd.toFixed(6)}`;
    return { ok: true, latencyMs: Math.round(performance.now() - started), detail: `answered (${result?.usage.inputTokens ?? 0} in, ${result?.usage.outputTokens ?? 0} out, ${cost})` };
  } catch (err) {
    const message = err instanceof ModelError ? err.message : err instanceof Error ? err.message.split('\n')[0]! : String(err);
    return { ok: false, latencyMs: Math.round(performance.now() - started), detail: redactUrlsIn(message) };
  }
}

function render(statuses: readonly ProviderStatus[]): string {
  const lines = statuses.map((s) => {
    if (!s.configured) return `  ${s.provider.padEnd(18)} not configured (set ${s.provider === 'openai-compatible' ? ENV_KEYS[s.provider].baseUrl : ENV_KEYS[s.provider].key})`;
    const where = s.baseUrl ? ` at ${s.baseUrl}` : '';
    const key = s.keyFrom ? `key from ${s.keyFrom}` : 'no key';
    const price = s.priced ? '' : ', price unknown';
    const verdict = s.check === null ? 'not checked' : `${s.check.ok ? 'ok' : 'FAILED'} in ${s.check.latencyMs} ms: ${s.check.detail}`;
    return `  ${s.provider.padEnd(18)} ${s.model}${where} (${key}${price}) ${verdict}`;
  });
  return `Providers:\n${lines.join('\n')}\n`;
}

