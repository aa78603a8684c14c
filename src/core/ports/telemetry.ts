// What core tells an observability backend: spans (a run, its tasks, each agent call, retries,
// failover, the check command, review and consensus) and per-call metric points. Core names the
// OpenTelemetry GenAI attributes but never imports OpenTelemetry: src/telemetry adapts this port,
// and only when export is on. Parents are passed explicitly (no async context needed).

export type TraceValue = string | number | boolean | readonly string[];
export type TraceAttributes = Readonly<Record<string, TraceValue | undefined>>;

export interface TraceSpan {
  /** The W3C trace id (32 hex), or undefined when nothing is recorded. */
  readonly traceId: string | undefined;
  /** A client span is a call leaving the process (a model request); the rest are internal. */
  child(name: string, attributes?: TraceAttributes, kind?: 'client' | 'internal'): TraceSpan;
  set(attributes: TraceAttributes): void;
  /** Marks the span failed: `error.type` and an error status (the message only with content capture: it may quote model output). */
  fail(errorType: string, message?: string): void;
  end(): void;
}

/** One finished (or failed) model call, for the GenAI client metrics and the cost counter. */
export interface CallPoint {
  readonly operation: string;
  readonly provider: string;
  readonly requestModel: string;
  readonly responseModel?: string;
  readonly durationMs: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly costUsd?: number | null;
  readonly errorType?: string;
  readonly role?: string;
}

export interface Telemetry {
  /** Prompt and completion text may go into spans (the user opted in). */
  readonly captureContent: boolean;
  span(name: string, attributes?: TraceAttributes, kind?: 'client' | 'internal'): TraceSpan;
  recordCall(point: CallPoint): void;
}

const NO_SPAN: TraceSpan = {
  traceId: undefined,
  child: () => NO_SPAN,
  set: () => undefined,
  fail: () => undefined,
  end: () => undefined,
};

export const NO_TELEMETRY: Telemetry = { captureContent: false, span: () => NO_SPAN, recordCall: () => undefined };

/** The GenAI semantic conventions' names (v1.37+: gen_ai.provider.name replaced gen_ai.system). */
export const GENAI = {
  operation: 'gen_ai.operation.name',
  provider: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  maxTokens: 'gen_ai.request.max_tokens',
  temperature: 'gen_ai.request.temperature',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheReadTokens: 'gen_ai.usage.cache_read.input_tokens',
  cacheWriteTokens: 'gen_ai.usage.cache_creation.input_tokens',
  finishReasons: 'gen_ai.response.finish_reasons',
  agentName: 'gen_ai.agent.name',
  workflowName: 'gen_ai.workflow.name',
  outputType: 'gen_ai.output.type',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  systemInstructions: 'gen_ai.system_instructions',
  errorType: 'error.type',
} as const;

/** Our provider ids as the conventions' well-known gen_ai.provider.name values. */
export function genAiProviderName(provider: string): string {
  // a local OpenAI-compatible server is not OpenAI: it keeps its own (custom) name
  return provider === 'gemini' ? 'gcp.gemini' : provider;
}

/** The conventions' finish reasons for our stop reasons. */
export function finishReason(stop: string): string {
  switch (stop) {
    case 'end':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool_call';
    default:
      return stop;
  }
}
