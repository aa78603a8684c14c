// The outgoing rate limits per provider (requests and prompt tokens per minute) and the fallback
// provider, as the user sets them: the editor's codecompanion.rateLimits / codecompanion.fallback
// settings, the CLI's CODECOMPANION_RATE_LIMITS / CODECOMPANION_FALLBACK and --rpm / --tpm /
// --fallback. One shape, parsed here for both hosts; the limiter itself is core's ProviderLimiter.
import { z } from 'zod';
import { DEFAULT_LIMITS, type ProviderLimits } from '../core/orchestrator/providerLimiter';
import { PROVIDER_IDS, type ProviderId } from '../core/ports/model';

const PerMinute = z.number().int().positive();
export const RateLimitSchema = z.object({ requestsPerMinute: PerMinute.optional(), tokensPerMinute: PerMinute.optional() }).strict();
export const RateLimitsSchema = z.partialRecord(z.enum(PROVIDER_IDS), RateLimitSchema);
export type RateLimits = z.infer<typeof RateLimitsSchema>;

/** JSON `{"anthropic": {"requestsPerMinute": 50, "tokensPerMinute": 40000}}`; a one-line error names `from`. */
export function parseRateLimits(text: string | undefined, from: string): RateLimits {
  if (!text?.trim()) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${from} is not JSON: use e.g. {"anthropic": {"requestsPerMinute": 50, "tokensPerMinute": 40000}}`);
  }
  const parsed = RateLimitsSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${from}: ${z.prettifyError(parsed.error).split('\n').slice(0, 2).join(' ')} (providers: ${PROVIDER_IDS.join(', ')}; whole numbers above 0)`);
  return parsed.data;
}

/** `--rpm anthropic=50` / `--tpm openai=90000`, repeated per provider, on top of `base`. */
export function withFlagLimits(base: RateLimits, flag: '--rpm' | '--tpm', values: readonly string[]): RateLimits {
  const out: Record<string, z.infer<typeof RateLimitSchema>> = { ...base };
  for (const v of values) {
    const m = /^([a-z-]+)=(\d+)$/.exec(v.trim());
    if (!m || !(PROVIDER_IDS as readonly string[]).includes(m[1]!) || Number(m[2]) <= 0) throw new Error(`${flag} takes PROVIDER=N with N above 0, e.g. ${flag} anthropic=50 (providers: ${PROVIDER_IDS.join(', ')})`);
    out[m[1]!] = { ...out[m[1]!], [flag === '--rpm' ? 'requestsPerMinute' : 'tokensPerMinute']: Number(m[2]) };
  }
  return out as RateLimits;
}

/** What the limiter gets: every provider at `concurrency`, with its rate limits where set. */
export function providerLimits(rateLimits: RateLimits, concurrency = DEFAULT_LIMITS.concurrency): Partial<Record<ProviderId, ProviderLimits>> {
  const out: Partial<Record<ProviderId, ProviderLimits>> = {};
  for (const p of PROVIDER_IDS) out[p] = { concurrency, ...rateLimits[p] };
  return out;
}

/** One line per provider with a limit, for doctor and the logs. */
export function describeLimits(rateLimits: RateLimits): string {
  const parts = Object.entries(rateLimits).map(([p, l]) => `${p} ${[l?.requestsPerMinute ? `${l.requestsPerMinute} req/min` : '', l?.tokensPerMinute ? `${l.tokensPerMinute} tokens/min` : ''].filter(Boolean).join(', ')}`);
  return parts.length ? parts.join('; ') : 'none';
}
