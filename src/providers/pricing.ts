// Prices per model, from pricing.json plus the user's overrides. A model with no price is unknown:
// its cost is null, shown as "unknown", never as $0.
import { PROVIDER_IDS, type ModelPrice, type PriceBook, type ProviderId, type Usage } from '../core/ports/model';
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

/** Parses CODECOMPANION_PRICING / the pricing setting; a malformed one is an error naming the setting. */
export function parsePriceOverrides(json: string | undefined, source: string): PriceOverrides {
  if (!json) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`${source} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${source} must be an object of provider -> model -> price`);
  for (const [provider, models] of Object.entries(parsed)) {
    for (const [model, price] of Object.entries(models as Record<string, unknown>)) {
      const p = price as Partial<ModelPrice>;
      if (typeof p?.input !== 'number' || typeof p?.output !== 'number') throw new Error(`${source}: ${provider}/${model} needs numeric input and output prices (USD per million tokens)`);
    }
  }
  return parsed as PriceOverrides;
}
