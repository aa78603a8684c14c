// The editor's settings, declared once: the zod schema that parses what VS Code hands back (a
// hand-edited settings.json is untrusted input), and how they become run options and model
// candidates. package.json's contributes.configuration declares the same keys for the UI; the
// unit test checks the two agree.
import { z } from 'zod';
import { ConsensusRuleSchema, ValidatorModeSchema, type Role, type RunOptions } from '../core/events';
import type { ModelCandidate, RouterOptions } from '../core/router/router';
import type { ProviderLimits } from '../core/orchestrator/providerLimiter';
import { PROVIDER_IDS, type ModelPrice, type ProviderId } from '../core/ports/model';
import { parseFallback, type ProviderConfig, type SdkProvider } from '../providers/config';
import { ConfigError } from '../providers/configError';
import { providerLimits, RateLimitSchema, type RateLimits } from './providerLimits';
import { checkPriceOverrides, parsePriceOverrides, type PriceOverrides } from '../providers/pricing';
import { DEFAULT_SENSITIVE_PATHS } from '../core/patch/sensitivePaths';

const ModelList = z.array(z.string().regex(new RegExp(`^(${PROVIDER_IDS.join('|')}):.+$`), 'use PROVIDER:MODEL, e.g. anthropic:claude-sonnet-4-6')).catch([]);
const Money = z.number().nonnegative().nullable().catch(null);
/** provider → model → USD per million tokens; an entry that does not pass the price rules is dropped (and warned about), the rest kept. */
const Pricing = z
  .record(z.string(), z.unknown())
  .transform((byProvider) => {
    const out: PriceOverrides = {};
    for (const { provider, model, price } of priceEntries(byProvider)) {
      try {
        Object.assign((out[provider as ProviderId] ??= {}), checkPriceOverrides({ [provider]: { [model]: price } }, 'codecompanion.pricing')[provider as ProviderId]);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
      }
    }
    return out;
  })
  .catch({});
/** Per provider; an entry that does not parse is dropped, the rest kept. */
const RateLimitsSetting = z
  .record(z.string(), z.unknown())
  .transform((byProvider) => {
    const out: Record<string, z.infer<typeof RateLimitSchema>> = {};
    for (const [provider, limit] of Object.entries(byProvider)) {
      const parsed = RateLimitSchema.safeParse(limit);
      if ((PROVIDER_IDS as readonly string[]).includes(provider) && parsed.success) out[provider] = parsed.data;
    }
    return out as RateLimits;
  })
  .catch({});

function priceEntries(byProvider: Record<string, unknown>): { provider: string; model: string; price: unknown }[] {
  const out = [];
  for (const [provider, models] of Object.entries(byProvider))
    for (const [model, price] of Object.entries(typeof models === 'object' && models !== null ? models : { '': models })) out.push({ provider, model, price });
  return out;
}

/** Why CODECOMPANION_PRICING is not used in the editor (malformed, a negative or infinite price), if it is not. */
export function envPricingProblem(env: Record<string, string | undefined>): string | undefined {
  try {
    parsePriceOverrides(env.CODECOMPANION_PRICING, 'CODECOMPANION_PRICING');
    return undefined;
  } catch (err) {
    if (err instanceof ConfigError) return `${err.message}; the variable is not used`;
    throw err;
  }
}

const ProviderEntry = z.object({ baseUrl: z.string().optional().catch(undefined), model: z.string().optional().catch(undefined) }).catch({});

export const EditorSettingsSchema = z.object({
  models: z
    .object({ planner: ModelList, coder: ModelList, reviewer: ModelList, tester: ModelList, low: ModelList, medium: ModelList, high: ModelList })
    .catch({ planner: [], coder: [], reviewer: [], tester: [], low: [], medium: [], high: [] }),
  budgetUsd: Money,
  dailyBudgetUsd: Money,
  concurrency: z.number().int().min(1).max(32).catch(4),
  consensus: ConsensusRuleSchema.catch('majority'),
  validator: ValidatorModeSchema.catch('disagreement'),
  reviewersPerPatch: z.number().int().min(1).max(5).catch(1),
  maxRounds: z.number().int().min(1).max(10).catch(2),
  checkCommand: z.string().catch(''),
  checkTimeoutSeconds: z.number().int().min(1).max(86_400).catch(120),
  check: z.object({ env: z.array(z.string()).catch([]) }).catch({ env: [] }),
  autoApply: z.boolean().catch(false),
  languageModels: z.enum(['off', 'fallback', 'always']).catch('fallback'),
  replaySession: z.string().catch(''),
  memory: z.object({ autoIndex: z.boolean().catch(false) }).catch({ autoIndex: false }),
  review: z.object({ sensitivePaths: z.array(z.string()).catch([...DEFAULT_SENSITIVE_PATHS]) }).catch({ sensitivePaths: [...DEFAULT_SENSITIVE_PATHS] }),
  retention: z.number().int().min(0).max(36_500).catch(30),
  pricing: Pricing,
  providers: z.object({ anthropic: ProviderEntry, openai: ProviderEntry, gemini: ProviderEntry, openaiCompatible: ProviderEntry }).catch({ anthropic: {}, openai: {}, gemini: {}, openaiCompatible: {} }),
  /** "provider" or "provider:model"; empty: CODECOMPANION_FALLBACK, else none. */
  fallback: z.string().catch(''),
  rateLimits: RateLimitsSetting,
  telemetry: z.object({ otlpEndpoint: z.string().catch(''), captureContent: z.boolean().catch(false) }).catch({ otlpEndpoint: '', captureContent: false }),
});

export type EditorSettings = z.infer<typeof EditorSettingsSchema>;

/** Every key under `codecompanion.` the schema reads, as dotted paths (for the manifest check). */
export const SETTING_KEYS = [
  'models.planner', 'models.coder', 'models.reviewer', 'models.tester', 'models.low', 'models.medium', 'models.high',
  'budgetUsd', 'dailyBudgetUsd', 'concurrency', 'consensus', 'validator', 'reviewersPerPatch', 'maxRounds', 'checkCommand', 'checkTimeoutSeconds', 'check.env',
  'autoApply', 'languageModels', 'replaySession', 'memory.autoIndex', 'review.sensitivePaths', 'retention', 'pricing',
  'providers.anthropic.baseUrl', 'providers.anthropic.model', 'providers.openai.baseUrl', 'providers.openai.model',
  'providers.gemini.baseUrl', 'providers.gemini.model', 'providers.openaiCompatible.baseUrl', 'providers.openaiCompatible.model',
  'fallback', 'rateLimits', 'telemetry.otlpEndpoint', 'telemetry.captureContent',
] as const;

/** Builds the nested object from `get(key)` for each dotted key, then parses it. */
export function readSettings(get: (key: string) => unknown): EditorSettings {
  const raw: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = get(key);
    if (value === undefined) continue;
    const parts = key.split('.');
    let node = raw;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]!] = value;
  }
  return EditorSettingsSchema.parse(raw);
}

export interface InvalidSetting {
  /** The full setting id, e.g. `codecompanion.concurrency`. */
  readonly key: string;
  readonly reason: string;
}

/**
 * The settings whose value does not parse, each with why; readSettings uses the default for them, so
 * the editor names them in a warning instead of letting a typo silently change what a run does. A price
 * override entry that does not parse is named by its provider and model.
 */
export function invalidSettings(get: (key: string) => unknown): InvalidSetting[] {
  const out: InvalidSetting[] = [];
  for (const key of SETTING_KEYS) {
    const value = get(key);
    if (value === undefined) continue;
    if (key === 'pricing') {
      out.push(...invalidPrices(value));
      continue;
    }
    const parsed = strictSchemaOf(key).safeParse(value);
    if (!parsed.success) out.push({ key: `codecompanion.${key}`, reason: parsed.error.issues.map((i) => i.message).join('; ') });
  }
  return out;
}

function invalidPrices(value: unknown): InvalidSetting[] {
  const byProvider = z.record(z.string(), z.record(z.string(), z.unknown())).safeParse(value);
  if (!byProvider.success) return [{ key: 'codecompanion.pricing', reason: 'expected { provider: { model: { input, output } } }' }];
  const out: InvalidSetting[] = [];
  for (const [provider, models] of Object.entries(byProvider.data)) {
    if (!(PROVIDER_IDS as readonly string[]).includes(provider)) {
      out.push({ key: 'codecompanion.pricing', reason: `unknown provider "${provider}" (one of ${PROVIDER_IDS.join(', ')})` });
      continue;
    }
    for (const [model, price] of Object.entries(models)) {
      // the same rule as CODECOMPANION_PRICING: finite prices >= 0, known fields only
      try {
        checkPriceOverrides({ [provider]: { [model]: price } }, 'pricing');
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        out.push({ key: 'codecompanion.pricing', reason: err.message.replace(/^pricing: /, '') });
      }
    }
  }
  return out;
}

/** The schema of one dotted key with its `.catch()` fallbacks taken off, so a bad value shows as an error. */
function strictSchemaOf(key: string): z.ZodType {
  let schema: z.ZodType = EditorSettingsSchema;
  for (const part of key.split('.')) {
    while (schema instanceof z.ZodCatch) schema = schema.unwrap() as z.ZodType;
    schema = (schema as z.ZodObject).shape[part] as z.ZodType;
  }
  while (schema instanceof z.ZodCatch) schema = schema.unwrap() as z.ZodType;
  return schema;
}

export interface RunRequestOverrides {
  readonly budgetUsd?: number | null;
}

/**
 * Run options from settings. In an untrusted workspace nothing runs on the machine: no check
 * command. The orchestrator never writes files itself in the editor: accepted patches go through
 * the review (and the editor's undo), auto-applied or not.
 */
export function runOptionsFrom(settings: EditorSettings, trusted: boolean, overrides: RunRequestOverrides = {}): Partial<RunOptions> {
  const budget = overrides.budgetUsd !== undefined ? overrides.budgetUsd : settings.budgetUsd;
  return {
    budgetUsd: budget === 0 ? null : budget,
    dailyBudgetUsd: settings.dailyBudgetUsd === 0 ? null : settings.dailyBudgetUsd,
    consensus: settings.consensus,
    validator: settings.validator,
    reviewersPerPatch: settings.reviewersPerPatch,
    maxRounds: settings.maxRounds,
    checkCommand: trusted && settings.checkCommand.trim() ? settings.checkCommand.trim() : null,
    checkTimeoutMs: settings.checkTimeoutSeconds * 1000,
    apply: false,
  };
}

export function autoApplies(settings: EditorSettings, trusted: boolean, requested?: boolean): boolean {
  return trusted && (requested ?? settings.autoApply);
}

/** The per-role model lists as router candidates; empty when the user set none (the router's defaults apply). */
export function candidatesFrom(settings: EditorSettings): ModelCandidate[] {
  const roles = new Map<string, Set<Role>>();
  const add = (entry: string, role: Role) => {
    const set = roles.get(entry) ?? new Set<Role>();
    set.add(role);
    roles.set(entry, set);
  };
  for (const role of ['planner', 'coder', 'reviewer', 'tester'] as const) for (const entry of settings.models[role]) add(entry, role);
  if (roles.size === 0) return [];
  const all = new Set<Role>(['planner', 'coder', 'reviewer', 'tester', 'validator']);
  // a role nobody was named for may use any listed model
  const unnamed = [...all].filter((r) => ![...roles.values()].some((s) => s.has(r)));
  return [...roles].map(([entry, set]) => {
    const at = entry.indexOf(':');
    return { provider: entry.slice(0, at) as ProviderId, model: entry.slice(at + 1), roles: [...set, ...unnamed] };
  });
}

/** The models pinned per task complexity (codecompanion.models.low / medium / high), for the router. */
export function pinnedFrom(settings: EditorSettings): NonNullable<RouterOptions['pinned']> {
  const out: { -readonly [K in keyof NonNullable<RouterOptions['pinned']>]: { provider: ProviderId; model: string }[] } = {};
  for (const level of ['low', 'medium', 'high'] as const) {
    const entries = settings.models[level].map((entry) => ({ provider: entry.slice(0, entry.indexOf(':')) as ProviderId, model: entry.slice(entry.indexOf(':') + 1) }));
    if (entries.length) out[level] = entries;
  }
  return out;
}

const VENDOR_KEY: Record<SdkProvider, keyof EditorSettings['providers']> = { anthropic: 'anthropic', openai: 'openai', gemini: 'gemini', 'openai-compatible': 'openaiCompatible' };

/** Keys from SecretStorage (or the environment), base URLs and models from settings (or the environment). */
export function providerConfigFrom(settings: EditorSettings, keys: Partial<Record<SdkProvider, string>>, env: Record<string, string | undefined>, envNames: Record<SdkProvider, { key: string; baseUrl: string; model: string }>): ProviderConfig {
  const providers: ProviderConfig['providers'] = {};
  for (const p of Object.keys(VENDOR_KEY) as SdkProvider[]) {
    const entry = settings.providers[VENDOR_KEY[p]];
    const apiKey = keys[p] || env[envNames[p].key] || (p === 'gemini' ? env.GOOGLE_API_KEY : undefined);
    const baseUrl = entry.baseUrl?.trim() || env[envNames[p].baseUrl];
    const model = entry.model?.trim() || env[envNames[p].model];
    if (p === 'openai-compatible' ? baseUrl : apiKey) providers[p] = { ...(apiKey ? { apiKey } : {}), ...(baseUrl ? { baseUrl } : {}), ...(model ? { model } : {}) };
  }
  // settings win over CODECOMPANION_PRICING, model by model; a malformed variable is not used here (envPricingProblem says why)
  let envPrices: PriceOverrides = {};
  try {
    envPrices = parsePriceOverrides(env.CODECOMPANION_PRICING, 'CODECOMPANION_PRICING');
  } catch {
    envPrices = {};
  }
  const prices: PriceOverrides = { ...envPrices };
  for (const [provider, models] of Object.entries(settings.pricing) as [ProviderId, Record<string, ModelPrice>][]) prices[provider] = { ...prices[provider], ...models };
  const fallback = fallbackFrom(settings, env);
  return { providers, prices, ...(fallback ? { fallback } : {}) };
}

/** The setting, else CODECOMPANION_FALLBACK; one that names no known provider is ignored here (doctor names it). */
export function fallbackFrom(settings: EditorSettings, env: Record<string, string | undefined>): ProviderConfig['fallback'] {
  const value = settings.fallback.trim() || env.CODECOMPANION_FALLBACK?.trim();
  if (!value) return undefined;
  try {
    return parseFallback(value);
  } catch {
    return undefined;
  }
}

export function limitsFrom(settings: EditorSettings): Partial<Record<ProviderId, ProviderLimits>> {
  return providerLimits(settings.rateLimits, settings.concurrency);
}

export type ModelPreset = 'balanced' | 'economy' | 'quality';

/**
 * Narrows the candidates by price: economy keeps the cheaper half, quality the dearer half. Two
 * models stay at least, so a reviewer can differ from the author.
 */
export function presetCandidates(candidates: readonly ModelCandidate[], prices: { priceOf(p: ProviderId, m: string): { input: number; output: number } | undefined }, preset: ModelPreset): ModelCandidate[] {
  if (preset === 'balanced' || candidates.length <= 2) return [...candidates];
  const cost = (c: ModelCandidate) => {
    const p = prices.priceOf(c.provider, c.model);
    return p ? p.input + 4 * p.output : Number.POSITIVE_INFINITY;
  };
  const sorted = [...candidates].sort((a, b) => (preset === 'economy' ? cost(a) - cost(b) : cost(b) - cost(a)));
  return sorted.slice(0, Math.max(2, Math.ceil(sorted.length / 2)));
}
