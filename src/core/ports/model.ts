// The one streaming interface every agent calls. src/providers adapts each vendor SDK to it
// (Anthropic, OpenAI, Gemini, OpenAI-compatible); src/vscode adapts vscode.lm.
import type { TraceSpan } from './telemetry';

export const PROVIDER_IDS = ['anthropic', 'openai', 'gemini', 'openai-compatible', 'vscode-lm'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export interface TextBlock {
  readonly text: string;
  /** Marks the end of a stable prefix worth caching (Anthropic cache_control; others cache implicitly). */
  readonly cache?: boolean;
}

export interface ToolCall {
  readonly id: string;
  readonly name: string;
  /** The arguments as the model produced them: JSON text, parsed by the caller with its own schema. */
  readonly argumentsJson: string;
}

export type ChatMessage =
  | { readonly role: 'user'; readonly content: string | readonly TextBlock[] }
  | { readonly role: 'assistant'; readonly content: string; readonly toolCalls?: readonly ToolCall[] }
  | { readonly role: 'tool'; readonly toolCallId: string; readonly name: string; readonly content: string };

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments. */
  readonly inputSchema: Record<string, unknown>;
}

export interface ModelRequest {
  readonly model: string;
  readonly system?: string | readonly TextBlock[];
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolSpec[];
  /** Structured output through the vendor's native mechanism; the final text is JSON matching it. */
  readonly jsonSchema?: { readonly name: string; readonly schema: Record<string, unknown> };
  readonly temperature?: number;
  readonly maxOutputTokens: number;
  readonly signal?: AbortSignal;
  /** The caller's span: a client adds its retries and failovers under it. */
  readonly trace?: TraceSpan;
  /** Unique per call (run id + call id): a client that hands calls to others keys them by it, so a call is paid once. */
  readonly callKey?: string;
}

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
}

export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

export type StopReason = 'end' | 'max_tokens' | 'tool_use' | 'stop_sequence' | 'content_filter' | 'other';

export type ModelDelta =
  | { readonly type: 'text'; readonly text: string; readonly attempt: number }
  | { readonly type: 'tool_call'; readonly call: ToolCall; readonly attempt: number }
  /** Everything streamed by `attempt` is void: it failed and the call is being retried or failed over. */
  | { readonly type: 'superseded'; readonly attempt: number; readonly reason: string }
  | { readonly type: 'done'; readonly result: ModelResult };

export interface ModelResult {
  readonly provider: ProviderId;
  /** The model that produced the answer (the fallback's, after a failover). */
  readonly model: string;
  readonly text: string;
  readonly toolCalls: readonly ToolCall[];
  readonly stopReason: StopReason;
  /** Summed over every billed attempt, each counted once. */
  readonly usage: Usage;
  /** null when the price of the model is unknown: never shown as $0. */
  readonly costUsd: number | null;
  readonly attempts: number;
  /** Attempts that ended without the vendor's final usage (cancelled, stalled, cut): what they cost is unknown. */
  readonly unsettled?: Unsettled;
}

/**
 * Attempts cut off after the request was sent and before the vendor reported its final usage. The vendor
 * may bill each up to the call's largest cost; `reportedCostUsd` is the part of costUsd they reported on
 * the way (an input count, a running total), already booked.
 */
export interface Unsettled {
  readonly attempts: number;
  readonly reportedCostUsd: number;
}

export interface ModelClient {
  readonly provider: ProviderId;
  /** Streams deltas and ends with exactly one `done`; throws a ModelError on failure. */
  stream(request: ModelRequest): AsyncIterable<ModelDelta>;
}

export interface ModelPrice {
  /** USD per million tokens. */
  readonly input: number;
  readonly output: number;
  readonly cacheRead?: number;
  readonly cacheWrite?: number;
}

export interface PriceBook {
  priceOf(provider: ProviderId, model: string): ModelPrice | undefined;
}

export interface Embedder {
  /** Identifies the embedding space (provider + model): vectors from different ids never mix. */
  readonly id: string;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export type ModelErrorKind =
  | 'config' // missing key, unknown model or provider: the message names what to set
  | 'auth'
  | 'bad_request'
  | 'rate_limit'
  | 'server'
  | 'timeout'
  | 'stall'
  | 'cut_stream'
  | 'malformed'
  | 'circuit_open'
  | 'aborted'
  | 'budget';

export class ModelError extends Error {
  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    readonly details: { readonly provider?: ProviderId; readonly model?: string; readonly status?: number; readonly retryAfterMs?: number; readonly attempts?: number; readonly usage?: Usage; readonly costUsd?: number | null; readonly unsettled?: Unsettled } = {},
  ) {
    super(message);
    this.name = 'ModelError';
  }
}
