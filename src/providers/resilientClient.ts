// The ModelClient every agent uses: one vendor adapter (plus optional fallbacks) behind retries
// with backoff and jitter that honour Retry-After, a total deadline, a circuit breaker per
// provider, stall detection and failover. Usage is summed once per attempt the vendor reported,
// and text from a failed attempt is announced as superseded before the next one streams. An attempt
// cut off after its request went out (cancelled, stalled, cut) never got the vendor's final usage:
// it is counted as unsettled, for the caller to book at its worst case.
import { systemClock, type Clock } from '../core/ports/clock';
import { ModelError, ZERO_USAGE, type ModelClient, type ModelDelta, type ModelRequest, type PriceBook, type ProviderId, type StopReason, type ToolCall, type Unsettled, type Usage } from '../core/ports/model';
import { GENAI, genAiProviderName, type TraceSpan } from '../core/ports/telemetry';
import type { VendorAdapter } from './attempt';
import { CircuitBreaker } from './circuitBreaker';
import { classify, RETRYABLE } from './errors';
import { costOf } from './pricing';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Total time for the call, all attempts and waits included. */
  readonly deadlineMs: number;
  /** No byte for this long means the stream is stalled: abort it and retry. */
  readonly stallMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 20_000, deadlineMs: 180_000, stallMs: 45_000 };

export interface Route {
  readonly adapter: VendorAdapter;
  readonly breaker: CircuitBreaker;
  /** Replaces the request's model (fallbacks name their own). */
  readonly model?: string;
}

export interface ResilientOptions {
  readonly retry?: Partial<RetryPolicy>;
  readonly clock?: Clock;
  readonly priceBook: PriceBook;
  /** Strings that must never appear in an error (the configured keys). */
  readonly secrets?: readonly string[];
  readonly random?: () => number;
}

export class ResilientModelClient implements ModelClient {
  readonly provider: ProviderId;
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly routes: readonly Route[], private readonly options: ResilientOptions) {
    if (routes.length === 0) throw new Error('a model client needs at least one route');
    this.provider = routes[0]!.adapter.provider;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  async *stream(request: ModelRequest): AsyncIterable<ModelDelta> {
    const channel = new Channel<ModelDelta>();
    void this.run(request, channel).then(
      () => channel.close(),
      (err) => channel.fail(err),
    );
    yield* channel;
  }

  private async run(request: ModelRequest, out: Channel<ModelDelta>): Promise<void> {
    const started = this.clock.now();
    let attempt = 0;
    let total: Usage = ZERO_USAGE;
    let billedCost: number | null = 0;
    let unsettled: Unsettled | undefined;
    let lastError: ModelError | undefined;
    let waitedMs = 0;
    let previous: { provider: ProviderId; model: string } | undefined;
    for (const route of this.routes) {
      const model = route.model ?? request.model;
      for (let tries = 0; tries < this.retry.maxAttempts; tries++) {
        if (!route.breaker.allows()) {
          lastError = new ModelError('circuit_open', `${route.adapter.provider} is failing repeatedly; calls are paused for ${Math.ceil(route.breaker.remainingMs() / 1000)} s`, { provider: route.adapter.provider, model });
          break;
        }
        attempt++;
        const failover = tries === 0 && route !== this.routes[0];
        const span = attempt > 1 || failover ? this.attemptSpan(request, failover, attempt, lastError, waitedMs, previous, route.adapter.provider, model) : undefined;
        previous = { provider: route.adapter.provider, model };
        waitedMs = 0;
        const outcome = await this.attemptOnce(route.adapter, { ...request, model }, attempt, out, started);
        if (span) {
          if (!outcome.ok) span.fail(outcome.error.kind, outcome.error.message);
          span.end();
        }
        total = addUsage(total, outcome.usage);
        const price = this.options.priceBook.priceOf(route.adapter.provider, model);
        const attemptCost = !hasUsage(outcome.usage) ? 0 : price ? costOf(outcome.usage, price)! : null;
        billedCost = billedCost === null || attemptCost === null ? null : billedCost + attemptCost;
        if (!outcome.ok && outcome.unsettled) unsettled = { attempts: (unsettled?.attempts ?? 0) + 1, reportedCostUsd: (unsettled?.reportedCostUsd ?? 0) + (attemptCost ?? 0) };
        if (outcome.ok) {
          route.breaker.success();
          out.push({
            type: 'done',
            result: { provider: route.adapter.provider, model, text: outcome.text, toolCalls: outcome.toolCalls, stopReason: outcome.stopReason, usage: total, costUsd: billedCost, attempts: attempt, ...(unsettled ? { unsettled } : {}) },
          });
          return;
        }
        const error = outcome.error;
        lastError = error;
        if (error.kind === 'aborted') throw withTotals(error, total, billedCost, attempt, unsettled);
        if (outcome.streamed) out.push({ type: 'superseded', attempt, reason: error.message });
        if (!RETRYABLE.has(error.kind)) {
          if (error.kind === 'auth' || error.kind === 'config' || error.kind === 'bad_request') throw withTotals(error, total, billedCost, attempt, unsettled);
          break;
        }
        route.breaker.failure();
        if (tries + 1 >= this.retry.maxAttempts) break;
        const wait = this.backoff(tries, error.details.retryAfterMs);
        const left = this.retry.deadlineMs - (this.clock.now() - started);
        if (wait >= left) {
          lastError = new ModelError(error.kind, `${error.message}; giving up: the next try (in ${Math.ceil(wait / 1000)} s) would pass the ${Math.round(this.retry.deadlineMs / 1000)} s deadline`, error.details);
          break;
        }
        waitedMs = Math.round(wait);
        try {
          await this.clock.sleep(wait, request.signal);
        } catch {
          throw withTotals(new ModelError('aborted', `${route.adapter.provider} call cancelled`, { provider: route.adapter.provider, model }), total, billedCost, attempt, unsettled);
        }
      }
    }
    const final = lastError ?? new ModelError('server', 'the call failed');
    throw withTotals(new ModelError(final.kind, attempt > 1 ? `${final.message} (after ${attempt} attempts)` : final.message, final.details), total, billedCost, attempt, unsettled);
  }

  /** A retry (same route) or a failover (the first attempt on a fallback route), under the caller's span. */
  private attemptSpan(request: ModelRequest, failover: boolean, attempt: number, after: ModelError | undefined, waitedMs: number, from: { provider: ProviderId; model: string } | undefined, provider: ProviderId, model: string): TraceSpan | undefined {
    return request.trace?.child(failover ? 'failover' : 'retry', {
      'codecompanion.attempt': attempt,
      'codecompanion.after_error': after?.kind,
      ...(failover ? { 'codecompanion.failover.from': from && `${from.provider}/${from.model}`, 'codecompanion.failover.to': `${provider}/${model}` } : { 'codecompanion.retry.wait_ms': waitedMs }),
      [GENAI.provider]: genAiProviderName(provider),
      [GENAI.requestModel]: model,
    });
  }

  private backoff(tries: number, retryAfterMs: number | undefined): number {
    const exp = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** tries);
    const jittered = exp / 2 + this.random() * (exp / 2);
    return Math.max(jittered, retryAfterMs ?? 0);
  }

  private async attemptOnce(adapter: VendorAdapter, request: ModelRequest, attempt: number, out: Channel<ModelDelta>, started: number): Promise<AttemptOutcome> {
    const controller = new AbortController();
    const onUserAbort = () => controller.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', onUserAbort, { once: true });
    let stalled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      if (timer) clearTimeout(timer);
      const left = this.retry.deadlineMs - (this.clock.now() - started);
      timer = setTimeout(() => {
        stalled = true;
        controller.abort(new Error('stalled'));
      }, Math.max(1, Math.min(this.retry.stallMs, left)));
    };
    arm();
    let usage: Usage = ZERO_USAGE;
    let text = '';
    let streamed = false;
    let sent = false;
    const toolCalls: ToolCall[] = [];
    try {
      if (request.signal?.aborted) throw request.signal.reason;
      sent = true;
      const stopReason = await adapter.attempt(request, controller.signal, {
        text: (t) => {
          arm();
          streamed = true;
          text += t;
          out.push({ type: 'text', text: t, attempt });
        },
        toolCall: (call) => {
          arm();
          streamed = true;
          toolCalls.push(call);
          out.push({ type: 'tool_call', call, attempt });
        },
        usage: (u) => {
          arm();
          usage = { ...usage, ...u };
        },
      });
      return { ok: true, text, toolCalls, stopReason, usage, streamed };
    } catch (err) {
      const error = classify(err, adapter.provider, request.model, this.options.secrets ?? [], { stalled, userAborted: Boolean(request.signal?.aborted), streamed });
      // an HTTP error status is the vendor's answer (nothing generated); any other end after sending is not
      const unsettled = sent && error.details.status === undefined && !neverConnected(err);
      return { ok: false, error, usage, streamed, unsettled };
    } finally {
      if (timer) clearTimeout(timer);
      request.signal?.removeEventListener('abort', onUserAbort);
    }
  }
}

type AttemptOutcome =
  | { ok: true; text: string; toolCalls: ToolCall[]; stopReason: StopReason; usage: Usage; streamed: boolean }
  | { ok: false; error: ModelError; usage: Usage; streamed: boolean; unsettled: boolean };

/** The connection was never opened (refused, no such host): the request cannot have reached a vendor. */
function neverConnected(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++)
    if (typeof e.code === 'string' && (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN')) return true;
  return false;
}

function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
  };
}

function hasUsage(u: Usage): boolean {
  return u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens > 0;
}

/** A failed call still reports what its attempts were billed, so nobody pays for them twice. */
function withTotals(error: ModelError, usage: Usage, costUsd: number | null, attempts: number, unsettled: Unsettled | undefined): ModelError {
  return new ModelError(error.kind, error.message, { ...error.details, usage, costUsd, attempts, ...(unsettled ? { unsettled } : {}) });
}

/** A single-consumer async queue between the retry loop and the caller's for-await. */
class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private failWaiting: ((e: unknown) => void) | undefined;
  private closed = false;
  private error: unknown;

  push(item: T): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = this.failWaiting = undefined;
      w({ value: item, done: false });
    } else this.items.push(item);
  }

  close(): void {
    this.closed = true;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = this.failWaiting = undefined;
  }

  fail(err: unknown): void {
    this.error = err;
    this.closed = true;
    this.failWaiting?.(err);
    this.waiting = this.failWaiting = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
        if (this.error !== undefined) return Promise.reject(this.error);
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiting = resolve;
          this.failWaiting = reject;
        });
      },
    };
  }
}
