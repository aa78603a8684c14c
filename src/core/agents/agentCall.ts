// One agent call as a durable step: reserve its largest cost, stream it (coalescing the stream into
// a few events), parse its output against the artifact's schema, and record the result atomically
// with the artifact. A call whose result is already in the log is answered from the log, so a
// resumed run never pays twice for a finished call. Invalid output gets exactly one repair round.
import { z } from 'zod';
import { ARTIFACT_SCHEMAS, artifactJsonSchema, type ArtifactKind } from '../artifacts/schemas';
import { BudgetExceededError, unknownUsageCharge, type CostGovernor } from '../cost/costGovernor';
import { event, type Role, type RunEvent } from '../events';
import type { RunLog } from '../orchestrator/runLog';
import type { ProviderLimiter } from '../orchestrator/providerLimiter';
import type { Clock } from '../ports/clock';
import { ModelError, type ModelClient, type ModelRequest, type ModelResult, type ProviderId } from '../ports/model';
import { finishReason, GENAI, genAiProviderName, NO_TELEMETRY, type Telemetry, type TraceSpan } from '../ports/telemetry';
import type { Redactor } from '../security/redaction';
import { repairMessages, type Prompt } from './prompts';

export const STREAM_FLUSH_CHARS = 2048;
export const STREAM_FLUSH_MS = 250;
const MAX_INVALID_TEXT = 16_000;

export type ArtifactBody<K extends ArtifactKind> = z.infer<(typeof ARTIFACT_SCHEMAS)[K]>;

export interface AgentContext {
  readonly log: RunLog;
  readonly governor: CostGovernor;
  readonly limiter: ProviderLimiter;
  readonly models: (provider: ProviderId) => ModelClient | undefined;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** Called when a call would pass the budget: resolves to a new run budget, or undefined to stop. */
  readonly onBudgetExceeded?: (error: BudgetExceededError) => Promise<number | null | undefined>;
  /** Set once the run is stopping: no new call starts. */
  readonly stopped: () => unknown;
  readonly telemetry?: Telemetry;
  /** Every prompt is scrubbed of known secrets before it is sent (file excerpts, check output, reasons). */
  readonly redactor: Redactor;
}

export interface AgentCallSpec<K extends ArtifactKind> {
  readonly baseCallId: string;
  readonly taskId: string;
  readonly role: Role;
  readonly round: number;
  readonly provider: ProviderId;
  readonly model: string;
  readonly kind: K;
  readonly prompt: Prompt;
  readonly maxOutputTokens: number;
  /** Domain events recorded atomically with the artifact (patch.proposed, review.verdict...). */
  readonly then?: (artifactId: string, body: ArtifactBody<K>) => RunEvent[];
  /** The task's (or review's) span; the call's span goes under it. */
  readonly parent?: TraceSpan;
}

export interface AgentOutput<K extends ArtifactKind> {
  readonly callId: string;
  readonly artifactId: string;
  readonly body: ArtifactBody<K>;
}

/** The task cannot go on: the model failed (after its client's retries) or stayed invalid. */
export class AgentFailure extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'AgentFailure';
  }
}

export class RunStopped extends Error {
  constructor(readonly why: unknown) {
    super('the run is stopping');
    this.name = 'RunStopped';
  }
}

export async function callAgent<K extends ArtifactKind>(ctx: AgentContext, spec: AgentCallSpec<K>): Promise<AgentOutput<K>> {
  let messages = spec.prompt.messages;
  let lastError = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    const callId = `${spec.baseCallId}.a${attempt}`;
    const recorded = ctx.log.state.calls[callId];
    if (recorded?.status === 'valid') {
      const artifact = Object.values(ctx.log.state.artifacts).find((a) => a.callId === callId);
      if (artifact) return { callId, artifactId: artifact.artifactId, body: artifact.body as ArtifactBody<K> };
    }
    if (recorded?.status === 'failed') throw new AgentFailure(`${spec.role} call ${callId} failed: ${recorded.error ?? 'unknown error'}`);
    let invalid: { text: string; error: string } | undefined;
    if (recorded?.status === 'invalid') invalid = { text: recorded.invalidText ?? '', error: recorded.error ?? 'invalid output' };
    else {
      const outcome = await makeCall(ctx, spec, callId, attempt, messages);
      if (outcome.ok) return outcome.output;
      invalid = outcome.invalid;
    }
    lastError = invalid.error;
    messages = repairMessages(spec.prompt, invalid.text, invalid.error);
  }
  throw new AgentFailure(`${spec.role} output was still invalid after one repair round: ${lastError}`);
}

type CallOutcome<K extends ArtifactKind> = { ok: true; output: AgentOutput<K> } | { ok: false; invalid: { text: string; error: string } };

/** One call's span (GenAI client span, `chat MODEL`) around the call, and its metric point. */
async function makeCall<K extends ArtifactKind>(ctx: AgentContext, spec: AgentCallSpec<K>, callId: string, attempt: number, messages: Prompt['messages']): Promise<CallOutcome<K>> {
  const telemetry = ctx.telemetry ?? NO_TELEMETRY;
  const attributes = {
    [GENAI.operation]: 'chat',
    [GENAI.provider]: genAiProviderName(spec.provider),
    [GENAI.requestModel]: spec.model,
    [GENAI.maxTokens]: spec.maxOutputTokens,
    [GENAI.temperature]: 0,
    [GENAI.outputType]: 'json',
    [GENAI.agentName]: spec.role,
    'codecompanion.call.id': callId,
    'codecompanion.task.id': spec.taskId,
    'codecompanion.round': spec.round,
    'codecompanion.artifact.kind': spec.kind,
    // captured content leaves the machine: scrubbed as the prompt itself is
    ...(telemetry.captureContent ? { [GENAI.systemInstructions]: ctx.redactor.text(JSON.stringify(spec.prompt.system ?? '')), [GENAI.inputMessages]: ctx.redactor.text(JSON.stringify(messages)) } : {}),
  };
  const name = `chat ${spec.model}`;
  const span = spec.parent ? spec.parent.child(name, attributes, 'client') : telemetry.span(name, attributes, 'client');
  const started = ctx.clock.now();
  const point = { operation: 'chat', provider: genAiProviderName(spec.provider), requestModel: spec.model, role: spec.role };
  try {
    const outcome = await callModel(ctx, spec, callId, attempt, messages, span);
    const r = outcome.result;
    span.set({
      [GENAI.responseModel]: r.model,
      [GENAI.inputTokens]: r.usage.inputTokens,
      [GENAI.outputTokens]: r.usage.outputTokens,
      [GENAI.cacheReadTokens]: r.usage.cacheReadTokens,
      [GENAI.cacheWriteTokens]: r.usage.cacheWriteTokens,
      [GENAI.finishReasons]: [finishReason(r.stopReason)],
      'codecompanion.cost_usd': r.costUsd ?? undefined,
      'codecompanion.attempts': r.attempts,
      'codecompanion.outcome': outcome.ok ? 'valid' : 'invalid',
      ...(telemetry.captureContent ? { [GENAI.outputMessages]: JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: ctx.redactor.text(outputText(r)) }], finish_reason: finishReason(r.stopReason) }]) } : {}),
    });
    telemetry.recordCall({ ...point, responseModel: r.model, durationMs: ctx.clock.now() - started, inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens, costUsd: r.costUsd });
    return outcome;
  } catch (err) {
    const kind = err instanceof AgentFailure && err.cause instanceof ModelError ? err.cause.kind : err instanceof RunStopped ? 'aborted' : err instanceof BudgetExceededError ? 'budget' : 'internal';
    span.fail(kind, err instanceof Error ? err.message : String(err));
    const billed = err instanceof AgentFailure && err.cause instanceof ModelError ? err.cause.details : undefined;
    // a call stopped by the budget or the user before it left has no duration worth recording
    if (err instanceof AgentFailure) telemetry.recordCall({ ...point, durationMs: ctx.clock.now() - started, errorType: kind, ...(billed?.usage ? { inputTokens: billed.usage.inputTokens, outputTokens: billed.usage.outputTokens } : {}), costUsd: billed?.costUsd ?? null });
    throw err;
  } finally {
    span.end();
  }
}

async function callModel<K extends ArtifactKind>(ctx: AgentContext, spec: AgentCallSpec<K>, callId: string, attempt: number, messages: Prompt['messages'], span: TraceSpan): Promise<CallOutcome<K> & { result: ModelResult }> {
  const client = ctx.models(spec.provider);
  if (!client) throw new AgentFailure(`no client for provider ${spec.provider}: set its API key or pick another model`);
  const request: ModelRequest = {
    trace: span,
    model: spec.model,
    system: ctx.redactor.deep(spec.prompt.system),
    messages: ctx.redactor.deep(messages),
    jsonSchema: { name: spec.kind, schema: artifactJsonSchema(spec.kind) },
    maxOutputTokens: spec.maxOutputTokens,
    temperature: 0,
    signal: ctx.signal,
    callKey: `${ctx.log.state.runId}/${callId}`,
  };
  const reservation = await reserve(ctx, callId, spec.provider, request);
  const common = { callId, taskId: spec.taskId, provider: spec.provider, model: spec.model };
  await ctx.log.append(
    event('budget.reserved', { callId, amountUsd: reservation.amountUsd, runReservedUsd: ctx.governor.heldUsd }),
    event('agent.call.started', { ...common, role: spec.role, round: spec.round, attempt, promptTokens: reservation.promptTokens }),
  );
  const started = ctx.clock.now();
  let left = false;
  let result: ModelResult;
  try {
    result = await ctx.limiter.schedule(spec.provider, reservation.promptTokens, () => ((left = true), consume(ctx, client, request, callId)), ctx.signal);
  } catch (err) {
    const costUsd = err instanceof ModelError ? (err.details.costUsd ?? null) : null;
    // the client reports its cut-off attempts; anything else that ends a call once it left leaves its usage unknown
    const unsettled = err instanceof ModelError ? err.details.unsettled : left ? { attempts: 1, reportedCostUsd: 0 } : undefined;
    const charge = unknownUsageCharge(reservation.amountUsd, unsettled);
    const held = ctx.governor.release(callId, charge > 0 ? (costUsd ?? 0) + charge : costUsd);
    const kind = err instanceof ModelError ? err.kind : ctx.signal.aborted ? 'aborted' : 'internal';
    const message = err instanceof Error ? err.message : String(err);
    await ctx.log.append(
      event('agent.call.failed', { ...common, kind, message, costUsd, durationMs: ctx.clock.now() - started }),
      released(callId, held, costUsd, charge),
    );
    if (ctx.signal.aborted) throw new RunStopped(ctx.signal.reason);
    throw new AgentFailure(`${spec.role} call to ${spec.provider}/${spec.model} failed (${kind}): ${message}`, err);
  }
  const charge = unknownUsageCharge(reservation.amountUsd, result.unsettled);
  const held = ctx.governor.release(callId, charge > 0 ? (result.costUsd ?? 0) + charge : result.costUsd);
  const finished = { ...common, provider: result.provider, model: result.model, usage: result.usage, costUsd: result.costUsd, durationMs: ctx.clock.now() - started };
  const release = released(callId, held, result.costUsd, charge);
  const text = outputText(result);
  const parsed = parseArtifact(spec.kind, text);
  if (!parsed.ok) {
    await ctx.log.append(event('agent.call.finished', { ...finished, outcome: 'invalid', error: parsed.error, invalidText: text.slice(0, MAX_INVALID_TEXT) }), release);
    return { ok: false, invalid: { text: text.slice(0, MAX_INVALID_TEXT), error: parsed.error }, result };
  }
  const artifactId = `${callId}.out`;
  const body = parsed.value as ArtifactBody<K>;
  await ctx.log.append(
    event('agent.call.finished', { ...finished, outcome: 'valid' }),
    { type: 'artifact.produced', data: { kind: spec.kind, artifactId, callId, taskId: spec.taskId, body } } as RunEvent,
    ...(spec.then?.(artifactId, body) ?? []),
    release,
  );
  return { ok: true, output: { callId, artifactId, body }, result };
}

/** The hold goes back; a charge for unknown usage is booked on top of the reported cost (the fold adds it). */
function released(callId: string, held: number, costUsd: number | null, charge: number): RunEvent {
  if (charge > 0) return event('budget.released', { callId, reservedUsd: held, spentUsd: charge, unknownUsage: true });
  return event('budget.released', { callId, reservedUsd: held, spentUsd: costUsd });
}

async function reserve(ctx: AgentContext, callId: string, provider: ProviderId, request: ModelRequest) {
  for (;;) {
    if (ctx.stopped()) throw new RunStopped(ctx.stopped());
    try {
      return ctx.governor.reserve(callId, provider, request);
    } catch (err) {
      if (!(err instanceof BudgetExceededError)) throw err;
      await ctx.log.append(
        event('budget.exceeded', { callId, scope: err.scope, neededUsd: err.neededUsd, limitUsd: err.limitUsd, committedUsd: err.committedUsd, message: err.message }),
      );
      const raised = err.scope === 'run' && ctx.onBudgetExceeded ? await pauseForUser(ctx, err) : undefined;
      if (raised === undefined) throw err;
    }
  }
}

let pausing: Promise<number | null | undefined> | undefined;

/** Parallel calls that hit the budget together share one pause and one answer. */
async function pauseForUser(ctx: AgentContext, err: BudgetExceededError): Promise<number | null | undefined> {
  if (!pausing) {
    pausing = (async () => {
      await ctx.log.append(event('run.paused', { reason: err.message }));
      const answer = await ctx.onBudgetExceeded!(err);
      if (answer === undefined) return undefined;
      ctx.governor.raiseBudget(answer);
      await ctx.log.append(event('run.resumed', { budgetUsd: answer }));
      return answer;
    })().finally(() => (pausing = undefined));
  }
  return pausing;
}

async function consume(ctx: AgentContext, client: ModelClient, request: ModelRequest, callId: string): Promise<ModelResult> {
  let buffer = '';
  let lastFlush = ctx.clock.now();
  const flush = () => {
    if (buffer) ctx.log.post(event('agent.call.streamed', { callId, text: buffer, chars: buffer.length }));
    buffer = '';
    lastFlush = ctx.clock.now();
  };
  for await (const delta of client.stream(request)) {
    if (delta.type === 'text') {
      buffer += delta.text;
      if (buffer.length >= STREAM_FLUSH_CHARS || ctx.clock.now() - lastFlush >= STREAM_FLUSH_MS) flush();
    } else if (delta.type === 'tool_call') {
      buffer += delta.call.argumentsJson;
    } else if (delta.type === 'superseded') {
      buffer = '';
    } else if (delta.type === 'done') {
      flush();
      return delta.result;
    }
  }
  throw new ModelError('cut_stream', `${client.provider} stream ended without a result`, { unsettled: { attempts: 1, reportedCostUsd: 0 } });
}

function outputText(result: ModelResult): string {
  if (result.text.trim()) return result.text;
  return result.toolCalls[0]?.argumentsJson ?? '';
}

export function parseArtifact(kind: ArtifactKind, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const trimmed = text.trim().replace(/^```(?:json)?\s*\n([\s\S]*?)\n```$/, '$1');
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch (err) {
    return { ok: false, error: `not JSON (${(err as Error).message})` };
  }
  const parsed = ARTIFACT_SCHEMAS[kind].safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: `${kind} schema: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}` };
}
