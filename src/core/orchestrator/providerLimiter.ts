// Per-provider concurrency and rate limits for model calls: p-queue bounds calls in flight and
// requests per minute; a token bucket bounds prompt tokens per minute (a call larger than the
// bucket waits for a full bucket rather than forever).
import PQueue from 'p-queue';
import type { Clock } from '../ports/clock';
import type { ProviderId } from '../ports/model';

export interface ProviderLimits {
  readonly concurrency: number;
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
}

export const DEFAULT_LIMITS: ProviderLimits = { concurrency: 4 };

export class ProviderLimiter {
  private readonly queues = new Map<ProviderId, PQueue>();
  private readonly buckets = new Map<ProviderId, TokenBucket>();

  constructor(
    private readonly limits: Partial<Record<ProviderId, ProviderLimits>>,
    private readonly clock: Clock,
    private readonly fallback: ProviderLimits = DEFAULT_LIMITS,
  ) {}

  schedule<T>(provider: ProviderId, tokens: number, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.queue(provider).add(
      async () => {
        await this.bucket(provider)?.take(tokens, signal);
        return fn();
      },
      signal ? { signal } : {},
    ) as Promise<T>;
  }

  private queue(provider: ProviderId): PQueue {
    let q = this.queues.get(provider);
    if (!q) {
      const l = this.limits[provider] ?? this.fallback;
      q = new PQueue({ concurrency: l.concurrency, ...(l.requestsPerMinute ? { intervalCap: l.requestsPerMinute, interval: 60_000 } : {}) });
      this.queues.set(provider, q);
    }
    return q;
  }

  private bucket(provider: ProviderId): TokenBucket | undefined {
    const tpm = (this.limits[provider] ?? this.fallback).tokensPerMinute;
    if (!tpm) return undefined;
    let b = this.buckets.get(provider);
    if (!b) this.buckets.set(provider, (b = new TokenBucket(tpm, this.clock)));
    return b;
  }
}

export class TokenBucket {
  private available: number;
  private last: number;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly perMinute: number, private readonly clock: Clock) {
    this.available = perMinute;
    this.last = clock.now();
  }

  /** Waits its turn (FIFO) until `tokens` (capped at the bucket size) are available, then takes them. */
  take(tokens: number, signal?: AbortSignal): Promise<void> {
    const need = Math.min(tokens, this.perMinute);
    const turn = this.chain.then(async () => {
      for (;;) {
        this.refill();
        if (this.available >= need) {
          this.available -= need;
          return;
        }
        await this.clock.sleep(Math.ceil(((need - this.available) / this.perMinute) * 60_000), signal);
      }
    });
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  private refill(): void {
    const now = this.clock.now();
    this.available = Math.min(this.perMinute, this.available + ((now - this.last) / 60_000) * this.perMinute);
    this.last = now;
  }
}
