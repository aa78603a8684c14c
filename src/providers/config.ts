// Which providers are configured, from the environment (CLI) or from the editor's SecretStorage +
// settings. Keys are held here and handed to SDKs; nothing here logs or prints them.
import type { ProviderId } from '../core/ports/model';
import { ConfigError } from './configError';
import { parsePriceOverrides, type PriceOverrides } from './pricing';
import type { RetryPolicy } from './resilientClient';

export type SdkProvider = Exclude<ProviderId, 'vscode-lm'>;
export const SDK_PROVIDERS: readonly SdkProvider[] = ['anthropic', 'openai', 'gemini', 'openai-compatible'];

export interface ProviderSettings {
  readonly apiKey?: string;
  readonly baseUrl?: string;
  readonly model?: string;
  readonly embeddingModel?: string;
}

export interface ProviderConfig {
  readonly providers: Partial<Record<SdkProvider, ProviderSettings>>;
  /** Where a call goes when its provider keeps failing. */
  readonly fallback?: { readonly provider: SdkProvider; readonly model?: string };
  readonly retry?: Partial<RetryPolicy>;
  readonly prices?: PriceOverrides;
}

export const DEFAULT_MODELS: Record<SdkProvider, string> = {
  anthropic: 'claude-sonnet-4-6',
  openai: 'gpt-5-mini',
  gemini: 'gemini-2.5-flash',
  'openai-compatible': 'llama3.1',
};

export const DEFAULT_EMBEDDING_MODELS: Partial<Record<SdkProvider, string>> = {
  openai: 'text-embedding-3-small',
  gemini: 'gemini-embedding-001',
  'openai-compatible': 'nomic-embed-text',
};

/** What to set, per provider, in the CLI's environment. */
export const ENV_KEYS: Record<SdkProvider, { key: string; baseUrl: string; model: string }> = {
  anthropic: { key: 'ANTHROPIC_API_KEY', baseUrl: 'ANTHROPIC_BASE_URL', model: 'CODECOMPANION_ANTHROPIC_MODEL' },
  openai: { key: 'OPENAI_API_KEY', baseUrl: 'OPENAI_BASE_URL', model: 'CODECOMPANION_OPENAI_MODEL' },
  gemini: { key: 'GEMINI_API_KEY', baseUrl: 'GEMINI_BASE_URL', model: 'CODECOMPANION_GEMINI_MODEL' },
  'openai-compatible': { key: 'OPENAI_COMPATIBLE_API_KEY', baseUrl: 'OPENAI_COMPATIBLE_BASE_URL', model: 'CODECOMPANION_OPENAI_COMPATIBLE_MODEL' },
};

export function loadProviderConfigFromEnv(env: NodeJS.ProcessEnv): ProviderConfig {
  const providers: Partial<Record<SdkProvider, ProviderSettings>> = {};
  for (const p of SDK_PROVIDERS) {
    const names = ENV_KEYS[p];
    const apiKey = env[names.key] || (p === 'gemini' ? env.GOOGLE_API_KEY : undefined);
    const baseUrl = env[names.baseUrl] ? checkBaseUrl(env[names.baseUrl]!, names.baseUrl) : undefined;
    const model = env[names.model];
    // A local server needs only its URL; vendors need a key.
    if (p === 'openai-compatible' ? baseUrl : apiKey) {
      providers[p] = { ...(apiKey ? { apiKey } : {}), ...(baseUrl ? { baseUrl } : {}), ...(model ? { model } : {}) };
    }
  }
  const fallback = env.CODECOMPANION_FALLBACK ? parseFallback(env.CODECOMPANION_FALLBACK) : undefined;
  return {
    providers,
    ...(fallback ? { fallback } : {}),
    prices: parsePriceOverrides(env.CODECOMPANION_PRICING, 'CODECOMPANION_PRICING'),
  };
}

/** "provider" or "provider:model". */
export function parseFallback(value: string): { provider: SdkProvider; model?: string } {
  const [provider, ...rest] = value.split(':');
  if (!SDK_PROVIDERS.includes(provider as SdkProvider)) throw new ConfigError(`CODECOMPANION_FALLBACK names an unknown provider '${provider}': use one of ${SDK_PROVIDERS.join(', ')}`);
  const model = rest.join(':');
  return { provider: provider as SdkProvider, ...(model ? { model } : {}) };
}

/** An http(s) URL, or a ConfigError naming the variable (the URL itself may hold credentials: not echoed). */
export function checkBaseUrl(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${source} is not a URL: use e.g. https://api.example.com/v1`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${source} must be an http:// or https:// URL, not ${url.protocol}`);
  return value;
}

/** What to set when no provider at all is configured (the CLI; the editor has Set API Key). */
export const SET_A_PROVIDER = 'set ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY (or OPENAI_COMPATIBLE_BASE_URL for a local server)';

export function missingKeyMessage(provider: SdkProvider): string {
  const names = ENV_KEYS[provider];
  if (provider === 'openai-compatible') return `no OpenAI-compatible server configured: set ${names.baseUrl} (e.g. http://localhost:11434/v1 for Ollama) and ${names.model}`;
  return `no API key for ${provider}: set ${names.key} (or run "CodeCompanion: Set API Key" in VS Code)`;
}
