// Agent calls as jobs on a Redis stream with a consumer group (`codecompanion:jobs`, group `workers`).
// The orchestrator publishes a job per model call once its budget is reserved; a worker takes it with
// XREADGROUP, runs it on its own provider keys (keys never go through Redis), writes what streams back
// and the final result to the call's results stream, and XACKs only once the result is there. A job a
// dead worker left idle past the lease is taken over with XAUTOCLAIM. Both sides validate every payload
// with these schemas, and both refuse payloads past the size limits with a clear line.
import { z } from 'zod';
import { TestReportSchema } from '../core/artifacts/schemas';
import { ProviderSchema } from '../core/events';
import type { ModelDelta, ModelRequest, ModelResult } from '../core/ports/model';
import { STREAM_PREFIX } from './teamStreams';

export const JOBS_STREAM = `${STREAM_PREFIX}:jobs`;
/** Check jobs have their own stream (same group name): only workers started with --allow-check read it. */
export const CHECKS_STREAM = `${STREAM_PREFIX}:checks`;
export const WORKERS_GROUP = 'workers';
export const resultsKey = (callKey: string) => `${STREAM_PREFIX}:results:${callKey}`;
/**
 * Set by a run that stops waiting for a job (cancelled): a worker running it stops at its next lease
 * renewal and withdraws it (XACK, no result), and a worker taking it later does not start it. A run
 * that publishes the job again (resume) clears it first.
 */
export const cancelKey = (callKey: string) => `${STREAM_PREFIX}:cancel:${callKey}`;

/** A job's JSON past this is refused before it is published (and by a worker that reads one). */
export const MAX_JOB_BYTES = 8 * 1024 * 1024;
/** One results entry (a delta, the result, an error) past this is refused by the worker. */
export const MAX_RESULT_ENTRY_BYTES = 8 * 1024 * 1024;
/**
 * The lease: a job whose worker has not renewed it for this long (the worker renews every third of it
 * while it works) is taken over by another worker. CODECOMPANION_WORKER_LEASE_MS / worker --lease.
 */
export const DEFAULT_LEASE_MS = 15_000;
/** Results streams expire this long after their last entry: long enough for a resume to find them. */
export const RESULTS_TTL_S = 24 * 3600;

const TextBlockSchema = z.object({ text: z.string(), cache: z.boolean().optional() });
const ToolCallSchema = z.object({ id: z.string(), name: z.string(), argumentsJson: z.string() });
const ChatMessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('user'), content: z.union([z.string(), z.array(TextBlockSchema)]) }),
  z.object({ role: z.literal('assistant'), content: z.string(), toolCalls: z.array(ToolCallSchema).optional() }),
  z.object({ role: z.literal('tool'), toolCallId: z.string(), name: z.string(), content: z.string() }),
]);
export const JobRequestSchema = z.object({
  model: z.string().min(1),
  system: z.union([z.string(), z.array(TextBlockSchema)]).optional(),
  messages: z.array(ChatMessageSchema),
  tools: z.array(z.object({ name: z.string(), description: z.string(), inputSchema: z.record(z.string(), z.unknown()) })).optional(),
  jsonSchema: z.object({ name: z.string(), schema: z.record(z.string(), z.unknown()) }).optional(),
  temperature: z.number().optional(),
  maxOutputTokens: z.number().int().positive(),
});

export const ModelJobSchema = z.object({
  kind: z.literal('model'),
  /** Run id + call id: unique per call, the key of its results stream and of its idempotency. */
  callKey: z.string().min(1).max(300).regex(/^[\w.:/-]+$/),
  /** Which publication of the call this is (a resumed run publishes again). */
  attempt: z.number().int().nonnegative(),
  provider: ProviderSchema,
  model: z.string().min(1),
  request: JobRequestSchema,
});
export type ModelJob = z.infer<typeof ModelJobSchema>;

const UsageSchema = z.object({ inputTokens: z.number(), outputTokens: z.number(), cacheReadTokens: z.number(), cacheWriteTokens: z.number() });
/** Attempts cut off before the vendor reported their final usage (the core's Unsettled): booked at their worst case. */
const UnsettledSchema = z.object({ attempts: z.number().int().nonnegative(), reportedCostUsd: z.number().nonnegative() });
const ModelResultSchema = z.object({
  provider: ProviderSchema,
  model: z.string(),
  text: z.string(),
  toolCalls: z.array(ToolCallSchema),
  stopReason: z.enum(['end', 'max_tokens', 'tool_use', 'stop_sequence', 'content_filter', 'other']),
  usage: UsageSchema,
  costUsd: z.number().nullable(),
  attempts: z.number().int(),
  unsettled: UnsettledSchema.optional(),
});

/** What a results stream holds, in order: per delivery a `claimed`, its deltas, then one `done` or `error`. */
export const ResultEntrySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('claimed'), worker: z.string(), delivery: z.string() }),
  z.object({ type: z.literal('beat'), delivery: z.string() }),
  z.object({ type: z.literal('text'), delivery: z.string(), attempt: z.number().int(), text: z.string() }),
  z.object({ type: z.literal('tool_call'), delivery: z.string(), attempt: z.number().int(), call: ToolCallSchema }),
  z.object({ type: z.literal('superseded'), delivery: z.string(), attempt: z.number().int(), reason: z.string() }),
  z.object({ type: z.literal('done'), delivery: z.string(), result: ModelResultSchema }),
  /** A check job's answer. */
  z.object({ type: z.literal('report'), delivery: z.string(), report: TestReportSchema }),
  z.object({
    type: z.literal('error'),
    delivery: z.string(),
    kind: z.string(),
    message: z.string(),
    details: z
      .object({ usage: UsageSchema.optional(), costUsd: z.number().nullable().optional(), attempts: z.number().optional(), status: z.number().optional(), unsettled: UnsettledSchema.optional() })
      .optional(),
  }),
]);
export type ResultEntry = z.infer<typeof ResultEntrySchema>;

export const isTerminal = (e: ResultEntry) => e.type === 'done' || e.type === 'report' || e.type === 'error';

export class JobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobError';
  }
}

/** The request as a job carries it: what the model is asked, never the caller's signal or span. */
export function jobRequest(request: ModelRequest): ModelJob['request'] {
  const { signal: _signal, trace: _trace, callKey: _key, ...rest } = request;
  return JSON.parse(JSON.stringify(rest)) as ModelJob['request'];
}

export function encodeJob(job: ModelJob): string {
  const text = JSON.stringify(ModelJobSchema.parse(job));
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_JOB_BYTES) throw new JobError(`the job for call ${job.callKey} is ${mib(bytes)} MiB, past the ${mib(MAX_JOB_BYTES)} MiB limit of a team job: run this call locally (without --remote-calls)`);
  return text;
}

export function decodeJob(text: string): ModelJob {
  if (Buffer.byteLength(text) > MAX_JOB_BYTES) throw new JobError(`a job of ${mib(Buffer.byteLength(text))} MiB is past the ${mib(MAX_JOB_BYTES)} MiB limit`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new JobError('a job is not JSON');
  }
  const parsed = ModelJobSchema.safeParse(raw);
  if (!parsed.success) throw new JobError(`a job does not match the schema: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export function encodeEntry(entry: ResultEntry): string {
  const text = JSON.stringify(entry);
  if (Buffer.byteLength(text) > MAX_RESULT_ENTRY_BYTES) throw new JobError(`a ${entry.type} result of ${mib(Buffer.byteLength(text))} MiB is past the ${mib(MAX_RESULT_ENTRY_BYTES)} MiB limit`);
  return text;
}

export function decodeEntry(text: string | undefined): ResultEntry {
  if (text === undefined) throw new JobError('a results entry has no body');
  if (Buffer.byteLength(text) > MAX_RESULT_ENTRY_BYTES) throw new JobError(`a results entry is past the ${mib(MAX_RESULT_ENTRY_BYTES)} MiB limit`);
  const parsed = ResultEntrySchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new JobError(`a results entry does not match the schema: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** A delta from the worker's client, tagged with the delivery that produced it. */
export function deltaEntry(delta: ModelDelta, delivery: string): ResultEntry {
  if (delta.type === 'done') return { type: 'done', delivery, result: delta.result as ModelResult & { toolCalls: ModelResult['toolCalls'] } } as ResultEntry;
  return { ...delta, delivery } as ResultEntry;
}

/** Stream replies as node-redis gives them (an array of {name, messages}, or a map by name under RESP3). */
export function streamMessages(reply: unknown): Array<{ id: string; message: Record<string, string> }> {
  if (!reply) return [];
  const streams = Array.isArray(reply) ? reply : reply instanceof Map ? [...reply.values()].map((messages) => ({ messages })) : Object.values(reply as object).map((messages) => ({ messages }));
  const out: Array<{ id: string; message: Record<string, string> }> = [];
  for (const s of streams as Array<{ messages: unknown }>) for (const m of (s.messages ?? []) as Array<{ id: string; message: Record<string, string> | Map<string, string> }>) out.push({ id: m.id, message: m.message instanceof Map ? Object.fromEntries(m.message) : m.message });
  return out;
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

/** Whether to publish a job: not yet published, or withdrawn by a cancelled run (the mark is cleared). */
export async function needsPublishing(client: { exists(key: string): Promise<number>; del(key: string): Promise<number> }, callKey: string): Promise<boolean> {
  const withdrawn = (await client.del(cancelKey(callKey))) > 0;
  return withdrawn || (await client.exists(resultsKey(callKey))) === 0;
}

/** A run stops waiting for a job: the mark its worker looks for (best effort: Redis may be away). */
export async function withdrawJob(client: { set(key: string, value: string, options: { expiration: { type: 'EX'; value: number } }): Promise<unknown> }, callKey: string): Promise<void> {
  await client.set(cancelKey(callKey), '1', { expiration: { type: 'EX', value: RESULTS_TTL_S } }).catch(() => undefined);
}

/** The consumer group, created from the stream's start so jobs published before any worker are taken. */
export async function ensureGroup(client: { xGroupCreate(key: string, group: string, id: string, options?: { MKSTREAM?: boolean }): Promise<unknown> }, stream = JOBS_STREAM): Promise<void> {
  try {
    await client.xGroupCreate(stream, WORKERS_GROUP, '0', { MKSTREAM: true });
  } catch (err) {
    if (!/BUSYGROUP/.test((err as Error).message)) throw err;
  }
}
