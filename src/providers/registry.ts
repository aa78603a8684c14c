// Builds the ModelClients the engine uses from a ProviderConfig: each vendor adapter wrapped in the
// resilient client (retries, breaker, failover), plus an embedder and the price book.
import type { Clock } from '../core/ports/clock';
import type { Embedder, ModelClient, PriceBook, ProviderId } from '../core/ports/model';
import { AnthropicAdapter } from './anthropicAdapter';
import type { VendorAdapter } from './attempt';
import { CircuitBreaker } from './circuitBreaker';
import { DEFAULT_EMBEDDING_MODELS, DEFAULT_MODELS, SDK_PROVIDERS, type ProviderConfig, type SdkProvider } from './config';
import { GeminiEmbedder, OpenAIEmbedder } from './embedders';
import { GeminiAdapter } from './geminiAdapter';
import { OpenAIAdapter } from './openaiAdapter';
import { PricingTable } from './pricing';
import { ResilientModelClient, type Route } from './resilientClient';

export interface ProviderRegistry {
  client(provider: ProviderId): ModelClient | undefined;
  configured(): SdkProvider[];
  defaultModel(provider: ProviderId): string;
  embedder(): Embedder | undefined;
  readonly priceBook: PriceBook;
}

export function createProviderRegistry(config: ProviderConfig, options: { clock?: Clock; random?: () => number } = {}): ProviderRegistry {
  const priceBook = new PricingTable(config.prices ?? {});
  const secrets = Object.values(config.providers).flatMap((s) => (s?.apiKey ? [s.apiKey] : []));
  const adapters = new Map<SdkProvider, VendorAdapter>();
  const breakers = new Map<SdkProvider, CircuitBreaker>();
  for (const p of SDK_PROVIDERS) {
    const s = config.providers[p];
    if (!s) continue;
    adapters.set(p, makeAdapter(p, s.apiKey ?? 'not-needed', s.baseUrl));
    breakers.set(p, new CircuitBreaker(5, 30_000, options.clock));
  }
  const clients = new Map<SdkProvider, ModelClient>();
  for (const [p, adapter] of adapters) {
    const routes: Route[] = [{ adapter, breaker: breakers.get(p)! }];
    const fb = config.fallback;
    if (fb && fb.provider !== p && adapters.has(fb.provider)) {
      routes.push({ adapter: adapters.get(fb.provider)!, breaker: breakers.get(fb.provider)!, model: fb.model ?? config.providers[fb.provider]?.model ?? DEFAULT_MODELS[fb.provider] });
    } else if (fb && fb.provider === p && fb.model) {
      routes.push({ adapter, breaker: breakers.get(p)!, model: fb.model });
    }
    clients.set(p, new ResilientModelClient(routes, { priceBook, secrets, ...(config.retry ? { retry: config.retry } : {}), ...(options.clock ? { clock: options.clock } : {}), ...(options.random ? { random: options.random } : {}) }));
  }
  return {
    priceBook,
    client: (p) => clients.get(p as SdkProvider),
    configured: () => [...adapters.keys()],
    defaultModel: (p) => (p === 'vscode-lm' ? 'copilot' : config.providers[p as SdkProvider]?.model ?? DEFAULT_MODELS[p as SdkProvider]),
    embedder: () => {
      for (const p of ['openai', 'gemini', 'openai-compatible'] as const) {
        const adapter = adapters.get(p);
        const model = config.providers[p]?.embeddingModel ?? DEFAULT_EMBEDDING_MODELS[p]!;
        if (adapter instanceof OpenAIAdapter) return new OpenAIEmbedder(adapter.provider, adapter.sdk, model);
        if (adapter instanceof GeminiAdapter) return new GeminiEmbedder(adapter.sdk, model);
      }
      return undefined;
    },
  };
}

function makeAdapter(p: SdkProvider, apiKey: string, baseUrl: string | undefined): VendorAdapter {
  const base = baseUrl ? { baseUrl } : {};
  switch (p) {
    case 'anthropic':
      return new AnthropicAdapter({ apiKey, ...base });
    case 'gemini':
      return new GeminiAdapter({ apiKey, ...base });
    case 'openai':
    case 'openai-compatible':
      return new OpenAIAdapter({ provider: p, apiKey, ...base });
  }
}
