// The closed set of events a run is made of. Everything else (run status, task graph, costs,
// quality, per-model performance) is a fold over these, so this file is the contract between the
// engine, the database, the dashboard and old runs on disk: add event types or optional fields,
// never change the meaning of an existing one; bump EVENT_VERSION and upcast in parseEvent when a
// shape has to change.
import { z } from 'zod';
import { CodePatchSchema } from './patch/codePatch';
import { ComplexitySchema, ReviewReportSchema, SpecDocSchema, TestReportSchema, ValidationReportSchema } from './artifacts/schemas';
import type { StoredEvent } from './ports/eventStore';
import { PROVIDER_IDS } from './ports/model';
import { RunGivenSchema } from './agents/runGiven';

export const EVENT_VERSION = 1;

export const ProviderSchema = z.enum(PROVIDER_IDS);
const Provider = ProviderSchema;
export const RoleSchema = z.enum(['planner', 'coder', 'reviewer', 'validator', 'tester']);
const Usage = z.object({ inputTokens: z.number(), outputTokens: z.number(), cacheReadTokens: z.number(), cacheWriteTokens: z.number() });
const ModelRef = { provider: Provider, model: z.string() };

export const ConsensusRuleSchema = z.enum(['majority', 'unanimous', 'veto']);
/** When the validator agent reviews a patch after the reviewers: never, when they disagree (or the task is rated high), or always. */
export const ValidatorModeSchema = z.enum(['off', 'disagreement', 'always']);

export const RunOptionsSchema = z.object({
  /** USD for the whole run; null means no run budget. */
  budgetUsd: z.number().nonnegative().nullable(),
  dailyBudgetUsd: z.number().nonnegative().nullable(),
  allowUnpriced: z.boolean(),
  consensus: ConsensusRuleSchema,
  reviewersPerPatch: z.number().int().min(1).max(5),
  /** Rounds a coder gets for one task, the first included. */
  maxRounds: z.number().int().min(1).max(10),
  explore: z.boolean(),
  /** Seeds the router's sampling, so a replayed run routes the same way. */
  seed: z.number().int(),
  checkCommand: z.string().nullable(),
  checkTimeoutMs: z.number().int().positive(),
  apply: z.boolean(),
  /** Optional: runs started before the validator agent existed had none. */
  validator: ValidatorModeSchema.optional(),
});

const callRef = { callId: z.string(), taskId: z.string() };

const Lines = z.array(z.string()).readonly();
/** A proposed change the user can take or leave on its own; `id` is stable across processes and reloads. */
export const ReviewHunkSchema = z.object({
  id: z.string(),
  index: z.number().int(),
  oldStart: z.number().int(),
  oldLines: Lines,
  newLines: Lines,
  contextBefore: Lines,
  contextAfter: Lines,
});
export const ReviewFileSchema = z.object({
  path: z.string(),
  action: z.enum(['create', 'modify', 'delete', 'rename']),
  from: z.string().optional(),
  eol: z.enum(['\n', '\r\n']),
  /** The whole new text of a created or renamed file; the old text of a deleted one. */
  content: z.string().optional(),
  hunks: z.array(ReviewHunkSchema),
});
/**
 * What an applied hunk changed, enough to take exactly that back: a hunk's old and new lines with the
 * lines around them right after the apply (never the whole file), or the text of a created, deleted
 * or renamed file.
 */
export const CheckpointEntrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('hunk'), hunkId: z.string(), path: z.string(), start: z.number().int(), oldLines: Lines, newLines: Lines, contextBefore: Lines, contextAfter: Lines }),
  z.object({ kind: z.literal('create'), hunkId: z.string(), path: z.string(), content: z.string() }),
  z.object({ kind: z.literal('delete'), hunkId: z.string(), path: z.string(), content: z.string() }),
  z.object({ kind: z.literal('rename'), hunkId: z.string(), from: z.string(), path: z.string(), before: z.string(), content: z.string() }),
]);
const HunkProblem = z.object({ hunkId: z.string(), reason: z.string() });
/** The process doing a two-step write, so another process can tell a live one from a crashed one. */
export const ProcessRefSchema = z.object({ hostId: z.string(), bootId: z.string(), pid: z.number().int(), pidStart: z.string(), at: z.number() });

export const RunEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run.started'),
    /** `given`: files and selections the user attached, and the earlier run a follow-up continues. */
    data: z.object({ v: z.number().int(), objective: z.string(), options: RunOptionsSchema, resumedFrom: z.string().optional(), given: RunGivenSchema.optional() }),
  }),
  z.object({ type: z.literal('plan.proposed'), data: z.object({ callId: z.string(), spec: SpecDocSchema }) }),
  z.object({
    type: z.literal('task.routed'),
    data: z.object({ taskId: z.string(), role: RoleSchema, ...ModelRef, explored: z.boolean(), reason: z.string(), patchId: z.string().optional(), complexity: ComplexitySchema.optional() }),
  }),
  z.object({
    type: z.literal('agent.call.started'),
    data: z.object({ ...callRef, role: RoleSchema, ...ModelRef, round: z.number().int(), attempt: z.number().int(), promptTokens: z.number().int() }),
  }),
  /** Coalesced stream text: one event per ~2 KB or ~250 ms of output, never per token. */
  z.object({ type: z.literal('agent.call.streamed'), data: z.object({ callId: z.string(), text: z.string(), chars: z.number().int() }) }),
  z.object({
    type: z.literal('agent.call.finished'),
    data: z.object({
      ...callRef,
      ...ModelRef,
      usage: Usage,
      costUsd: z.number().nullable(),
      durationMs: z.number(),
      /** 'invalid' output gets one repair round; its text (truncated) and error are kept for that. */
      outcome: z.enum(['valid', 'invalid']),
      error: z.string().optional(),
      invalidText: z.string().optional(),
    }),
  }),
  z.object({
    type: z.literal('agent.call.failed'),
    data: z.object({ ...callRef, ...ModelRef, kind: z.string(), message: z.string(), costUsd: z.number().nullable(), durationMs: z.number() }),
  }),
  z.object({
    type: z.literal('artifact.produced'),
    data: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('SpecDoc'), artifactId: z.string(), callId: z.string().optional(), taskId: z.string(), body: SpecDocSchema }),
      z.object({ kind: z.literal('CodePatch'), artifactId: z.string(), callId: z.string().optional(), taskId: z.string(), body: CodePatchSchema }),
      z.object({ kind: z.literal('ReviewReport'), artifactId: z.string(), callId: z.string().optional(), taskId: z.string(), body: ReviewReportSchema }),
      z.object({ kind: z.literal('TestReport'), artifactId: z.string(), callId: z.string().optional(), taskId: z.string(), body: TestReportSchema }),
      z.object({ kind: z.literal('ValidationReport'), artifactId: z.string(), callId: z.string().optional(), taskId: z.string(), body: ValidationReportSchema }),
    ]),
  }),
  z.object({
    type: z.literal('patch.proposed'),
    data: z.object({ patchId: z.string(), taskId: z.string(), round: z.number().int(), artifactId: z.string(), ...ModelRef, files: z.array(z.string()) }),
  }),
  /** The validator's mechanical checks: schema, applies cleanly (dry run), the optional check command. */
  z.object({
    type: z.literal('patch.validated'),
    data: z.object({ patchId: z.string(), ok: z.boolean(), applies: z.boolean(), problems: z.array(z.string()), testArtifactId: z.string().optional() }),
  }),
  z.object({
    type: z.literal('review.verdict'),
    data: z.object({ patchId: z.string(), artifactId: z.string(), ...ModelRef, verdict: z.enum(['approve', 'reject']), score: z.number() }),
  }),
  /** The validator agent's vote, counted in consensus as one more voice (see consensus.ts). */
  z.object({
    type: z.literal('validation.verdict'),
    data: z.object({ patchId: z.string(), artifactId: z.string(), ...ModelRef, verdict: z.enum(['approve', 'reject']), unmet: z.number().int(), why: z.string() }),
  }),
  z.object({
    type: z.literal('consensus.reached'),
    data: z.object({ patchId: z.string(), rule: ConsensusRuleSchema, decision: z.enum(['accept', 'reject']), approvals: z.number().int(), rejections: z.number().int(), reason: z.string() }),
  }),
  /** The task ends without an accepted patch: its calls failed, or its output stayed invalid. */
  z.object({ type: z.literal('task.failed'), data: z.object({ taskId: z.string(), reason: z.string() }) }),
  z.object({ type: z.literal('patch.accepted'), data: z.object({ patchId: z.string(), taskId: z.string() }) }),
  z.object({
    type: z.literal('patch.rejected'),
    data: z.object({ patchId: z.string(), taskId: z.string(), reasons: z.array(z.string()), final: z.boolean() }),
  }),
  z.object({
    type: z.literal('patch.applied'),
    data: z.object({
      patchId: z.string(),
      files: z.array(z.string()),
      ok: z.boolean(),
      error: z.string().optional(),
      /** Sensitive files left unapplied until a person accepts each one (the rest was applied). */
      held: z.array(z.object({ path: z.string(), rule: z.string() })).optional(),
    }),
  }),
  z.object({ type: z.literal('budget.reserved'), data: z.object({ callId: z.string(), amountUsd: z.number(), runReservedUsd: z.number() }) }),
  /**
   * A call's hold is given back. Its cost is booked by agent.call.finished / failed, except for a call
   * cut off by a crash, a cancel, a stall or a cut stream (`unknownUsage`): nothing says what the vendor
   * billed, so its whole hold (per cut-off attempt, less what the vendor reported on the way and the
   * finished / failed event booked) is booked here as spent: the worst case, never $0.
   */
  z.object({
    type: z.literal('budget.released'),
    data: z.object({ callId: z.string(), reservedUsd: z.number(), spentUsd: z.number().nullable(), unknownUsage: z.boolean().optional() }),
  }),
  z.object({
    type: z.literal('budget.exceeded'),
    data: z.object({ callId: z.string(), scope: z.enum(['run', 'day', 'unpriced']), neededUsd: z.number().nullable(), limitUsd: z.number().nullable(), committedUsd: z.number(), message: z.string() }),
  }),
  /**
   * The user rejected (part of) an accepted patch in review and sends it back to its author: the run
   * reopens for this task's new rounds, against the workspace as it is now, and completes again.
   */
  z.object({
    type: z.literal('task.revision.requested'),
    data: z.object({ taskId: z.string(), patchId: z.string(), reasons: z.array(z.string()).min(1), budgetUsd: z.number().nonnegative().nullable().optional() }),
  }),
  z.object({ type: z.literal('run.paused'), data: z.object({ reason: z.string() }) }),
  z.object({ type: z.literal('run.resumed'), data: z.object({ budgetUsd: z.number().nullable().optional() }) }),
  z.object({ type: z.literal('run.completed'), data: z.object({ accepted: z.number().int(), rejected: z.number().int(), applied: z.number().int(), costUsd: z.number() }) }),
  z.object({ type: z.literal('run.failed'), data: z.object({ reason: z.enum(['budget', 'model', 'plan', 'internal']), message: z.string() }) }),
  z.object({ type: z.literal('run.cancelled'), data: z.object({ reason: z.string() }) }),
  /** The OpenTelemetry trace this stretch of the run is exported under (only with export on); a resume starts another. */
  z.object({ type: z.literal('run.traced'), data: z.object({ traceId: z.string().regex(/^[0-9a-f]{32}$/) }) }),
  // The user's review of the run's patches. Pending review is a fold over these (src/app/review).
  /** A patch's hunks, planned against the workspace when proposed, are pending in review. */
  z.object({
    type: z.literal('review.proposed'),
    data: z.object({
      patchId: z.string(),
      taskId: z.string(),
      taskTitle: z.string(),
      summary: z.string(),
      ...ModelRef,
      objective: z.string(),
      files: z.array(ReviewFileSchema),
      problems: z.array(z.string()),
    }),
  }),
  /** A revision's patch replaces one in review: the old one's pending hunks are no longer offered. */
  z.object({ type: z.literal('review.superseded'), data: z.object({ patchId: z.string(), by: z.string() }) }),
  /**
   * An accept is about to write the files (recorded first, so a crash between the two is found and
   * reconciled on restart): the checkpoint of what will change. `review.applied` follows once written.
   */
  z.object({ type: z.literal('review.accepting'), data: z.object({ decisionId: z.string(), hunkIds: z.array(z.string()).min(1), entries: z.array(CheckpointEntrySchema), by: ProcessRefSchema }) }),
  z.object({ type: z.literal('review.applied'), data: z.object({ decisionId: z.string(), hunkIds: z.array(z.string()), reconciled: z.boolean().optional() }) }),
  /** An accept that never reached the files (found on restart): its hunks are pending again. */
  z.object({ type: z.literal('review.abandoned'), data: z.object({ decisionId: z.string(), reason: z.string() }) }),
  /** Hunks that no longer match the files: not applied, named with why. */
  z.object({ type: z.literal('review.conflicted'), data: z.object({ decisionId: z.string(), hunks: z.array(HunkProblem).min(1) }) }),
  z.object({ type: z.literal('review.rejected'), data: z.object({ decisionId: z.string(), hunkIds: z.array(z.string()).min(1), reason: z.string().optional() }) }),
  /** A rollback is about to take applied hunks back (recorded first, like review.accepting). */
  z.object({ type: z.literal('review.rollingBack'), data: z.object({ decisionId: z.string(), hunkIds: z.array(z.string()), by: ProcessRefSchema }) }),
  /** Reverted hunks are pending again; conflicts (lines edited since) were left as the user has them. */
  z.object({
    type: z.literal('review.rolledBack'),
    data: z.object({ decisionId: z.string(), reverted: z.array(z.string()), conflicts: z.array(HunkProblem.extend({ path: z.string() })), reconciled: z.boolean().optional() }),
  }),
]);

export type RunEvent = z.infer<typeof RunEventSchema>;
export type RunEventType = RunEvent['type'];
export type EventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;
export type EventData<T extends RunEventType> = EventOf<T>['data'];
export type Role = z.infer<typeof RoleSchema>;
export type RunOptions = z.infer<typeof RunOptionsSchema>;
export type ConsensusRule = z.infer<typeof ConsensusRuleSchema>;
export type ValidatorMode = z.infer<typeof ValidatorModeSchema>;
export type CheckpointEntryData = z.infer<typeof CheckpointEntrySchema>;
export type ReviewFileData = z.infer<typeof ReviewFileSchema>;
export type ProcessRef = z.infer<typeof ProcessRefSchema>;

export const RUN_EVENT_TYPES: readonly RunEventType[] = RunEventSchema.options.map((o) => o.shape.type.value);

/** A run event as read back from the store: typed, with its position. */
export type RecordedEvent = RunEvent & { readonly runId: string; readonly seq: number; readonly globalSeq: number; readonly ts: number };

export class EventParseError extends Error {
  constructor(readonly event: { runId: string; seq: number; type: string }, detail: string) {
    super(`event ${event.runId}#${event.seq} (${event.type}) does not match its schema: ${detail}. The database may come from a newer CodeCompanion; update it`);
    this.name = 'EventParseError';
  }
}

export function isRunEventType(type: string): type is RunEventType {
  return (RUN_EVENT_TYPES as readonly string[]).includes(type);
}

/** Parses (and upcasts, once there are older versions) a stored event. Unknown types throw. */
export function parseEvent(stored: StoredEvent): RecordedEvent {
  const parsed = RunEventSchema.safeParse({ type: stored.type, data: stored.data });
  if (!parsed.success) throw new EventParseError(stored, z.prettifyError(parsed.error).split('\n').slice(0, 3).join('; '));
  return { ...parsed.data, runId: stored.runId, seq: stored.seq, globalSeq: stored.globalSeq, ts: stored.ts };
}

export function event<T extends RunEventType>(type: T, data: EventData<T>): EventOf<T> {
  return { type, data } as EventOf<T>;
}
