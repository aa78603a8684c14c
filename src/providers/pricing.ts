// Prices per model, from pricing.json plus the user's overrides. A model with no price is unknown:
// its cost is null, shown as "unknown", never as $0.
import { PROVIDER_IDS, type ModelPrice, type PriceBook, type ProviderId, type Usage } from '../core/ports/model';
import { ConfigError } from './configError';
import table from './pricing.json';

export type PriceOverrides = Partial<Record<ProviderId, Record<string, ModelPrice>>>;

export class PricingTable implements PriceBook {
  private readonly prices: Map<ProviderId, Map<string, ModelPrice>>;

  constructor(overrides: PriceOverrides = {}) {
    this.prices = new Map();
    for (const provider of PROVIDER_IDS) {
      const builtin = (table as unknown as Record<string, Record<string, ModelPrice>>)[provider] ?? {};
      this.prices.set(provider, new Map(Object.entries({ ...builtin, ...(overrides[provider] ?? {}) })));
    }
  }

  /** Exact id first, then the longest listed id the model's name starts with (dated snapshots). */
  priceOf(provider: ProviderId, model: string): ModelPrice | undefined {
    const list = this.prices.get(provider);
    if (!list) return undefined;
    const exact = list.get(model);
    if (exact) return exact;
    let best: [string, ModelPrice] | undefined;
    for (const entry of list) if (model.startsWith(entry[0] + '-') && (!best || entry[0].length > best[0].length)) best = entry;
    return best?.[1];
  }
}

export function costOf(usage: Usage, price: ModelPrice | undefined): number | null {
  if (!price) return null;
  return (
    (usage.inputTokens * price.input +
      usage.outputTokens * price.output +
      usage.cacheReadTokens * (price.cacheRead ?? price.input) +
      usage.cacheWriteTokens * (price.cacheWrite ?? price.input)) /
    1_000_000
  );
}

/** Parses CODECOMPANION_PRICING / the pricing setting; anything malformed is a ConfigError naming the setting. */
export function parsePriceOverrides(json: string | undefined, source: string): PriceOverrides {
  if (!json) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ConfigError(`${source} is not valid JSON: use {"provider": {"model": {"input": 2, "output": 8}}} (USD per million tokens)`);
  }
  return checkPriceOverrides(parsed, source);
}

/**
 * Checks price overrides already parsed (the editor's setting): provider → model → prices, each price
 * a finite number ≥ 0. A negative or infinite price would switch the budget off, so it is refused,
 * never clamped.
 */
export function checkPriceOverrides(value: unknown, source: string): PriceOverrides {
  if (!isRecord(value)) throw new ConfigError(`${source} must be an object of provider -> model -> price`);
  const out: PriceOverrides = {};
  for (const [provider, models] of Object.entries(value)) {
    if (!(PROVIDER_IDS as readonly string[]).includes(provider)) throw new ConfigError(`${source}: unknown provider '${provider}' (use ${PROVIDER_IDS.join(', ')})`);
    if (!isRecord(models)) throw new ConfigError(`${source}: ${provider} must map model names to prices`);
    const prices: Record<string, ModelPrice> = {};
    for (const [model, price] of Object.entries(models)) prices[model] = checkPrice(price, `${source}: ${provider}/${model}`);
    out[provider as ProviderId] = prices;
  }
  return out;
}

const PRICE_FIELDS = ['input', 'output', 'cacheRead', 'cacheWrite'] as const;

function checkPrice(price: unknown, where: string): ModelPrice {
  if (!isRecord(price)) throw new ConfigError(`${where} needs numeric input and output prices (USD per million tokens)`);
  const unknown = Object.keys(price).filter((k) => !(PRICE_FIELDS as readonly string[]).includes(k));
  if (unknown.length) throw new ConfigError(`${where}: unknown field '${unknown[0]}' (use ${PRICE_FIELDS.join(', ')})`);
  for (const field of PRICE_FIELDS) {
    const v = price[field];
    if (v === undefined && (field === 'cacheRead' || field === 'cacheWrite')) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new ConfigError(`${where}: ${field} must be a finite price >= 0 in USD per million tokens, not ${v === undefined ? 'missing' : typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
  }
  return price as unknown as ModelPrice;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
