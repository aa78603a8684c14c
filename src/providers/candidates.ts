// Which models the router may pick from, given what is configured. Each vendor contributes two
// models, so even a user with a single key gets a reviewer that differs from the author; a prior
// quality (worth two observations) seeds the bandit until the performance store has measurements.
import type { ModelCandidate } from '../core/router/router';
import type { ProviderRegistry } from './registry';
import type { SdkProvider } from './config';
import { ConfigError } from './configError';

const PAIRS: Record<Exclude<SdkProvider, 'openai-compatible'>, readonly { model: string; priorQuality: number }[]> = {
  anthropic: [
    { model: 'claude-sonnet-4-6', priorQuality: 0.8 },
    { model: 'claude-haiku-4-5', priorQuality: 0.65 },
  ],
  openai: [
    { model: 'gpt-5-mini', priorQuality: 0.7 },
    { model: 'gpt-5', priorQuality: 0.8 },
  ],
  gemini: [
    { model: 'gemini-2.5-flash', priorQuality: 0.68 },
    { model: 'gemini-2.5-pro', priorQuality: 0.78 },
  ],
};

export function defaultCandidates(registry: ProviderRegistry): ModelCandidate[] {
  const out: ModelCandidate[] = [];
  for (const provider of registry.configured()) {
    const configured = registry.defaultModel(provider);
    if (provider === 'openai-compatible') {
      out.push({ provider, model: configured, priorQuality: 0.5 });
      continue;
    }
    const pair = PAIRS[provider];
    // a model the user chose (env or settings) replaces the pair's first entry
    const models = pair.some((p) => p.model === configured) ? pair : [{ model: configured, priorQuality: 0.7 }, ...pair.slice(1)];
    for (const m of models) out.push({ provider, model: m.model, priorQuality: m.priorQuality });
  }
  return out;
}

/** Parses "anthropic:claude-sonnet-4-6,openai:gpt-5" (CODECOMPANION_MODELS, --models). */
export function parseCandidates(value: string, source = 'CODECOMPANION_MODELS'): ModelCandidate[] {
  const candidates = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf(':');
      const provider = entry.slice(0, at);
      const model = entry.slice(at + 1);
      if (at <= 0 || !model || !['anthropic', 'openai', 'gemini', 'openai-compatible'].includes(provider))
        throw new ConfigError(`${source}: '${entry}' is not PROVIDER:MODEL (providers: anthropic, openai, gemini, openai-compatible)`);
      return { provider: provider as SdkProvider, model };
    });
  if (candidates.length === 0) throw new ConfigError(`${source} names no model: use PROVIDER:MODEL[,PROVIDER:MODEL...]`);
  return candidates;
}
