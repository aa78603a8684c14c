// A run's state as a pure fold over its events: what the dashboard shows, what `codecompanion
// replay` prints, and what a resumed run continues from. evolve never throws on a well-typed event
// and never reads the clock, so replaying a run's events rebuilds exactly the same state.
import type { ReviewReport, SpecDoc, TestReport, ValidationReport } from '../artifacts/schemas';
import type { CodePatch } from '../patch/codePatch';
import type { ProviderId } from '../ports/model';
import type { RecordedEvent, Role, RunEvent, RunOptions } from '../events';
import type { RunGiven } from '../agents/runGiven';

export type RunStatus = 'pending' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';
export type TaskStatus = 'pending' | 'running' | 'accepted' | 'rejected' | 'failed';
export type PatchStatus = 'proposed' | 'validated' | 'accepted' | 'rejected' | 'applied' | 'apply_failed';

export interface CallState {
  readonly callId: string;
  readonly taskId: string;
  readonly role: Role;
  readonly provider: ProviderId;
  readonly model: string;
  readonly round: number;
  readonly attempt: number;
  readonly status: 'running' | 'valid' | 'invalid' | 'failed';
  readonly streamedChars: number;
  readonly costUsd: number | null;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly durationMs: number;
  readonly error?: string;
  readonly invalidText?: string;
}

export interface ReviewState {
  readonly artifactId: string;
  readonly provider: ProviderId;
  readonly model: string;
  readonly verdict: 'approve' | 'reject';
  readonly score: number;
}

export interface PatchState {
  readonly patchId: string;
  readonly taskId: string;
  readonly round: number;
  readonly artifactId: string;
  readonly provider: ProviderId;
  readonly model: string;
  readonly files: readonly string[];
  readonly status: PatchStatus;
  readonly validation?: { readonly ok: boolean; readonly applies: boolean; readonly problems: readonly string[]; readonly testArtifactId?: string };
  readonly reviews: readonly ReviewState[];
  /** The validator agent's vote, when it ran on this patch. */
  readonly validatorVerdict?: { readonly artifactId: string; readonly provider: ProviderId; readonly model: string; readonly verdict: 'approve' | 'reject'; readonly unmet: number };
  readonly decision?: { readonly decision: 'accept' | 'reject'; readonly reason: string };
  readonly rejectionReasons: readonly string[];
  /** Order in which patches were accepted: the order they are staged and applied in. */
  readonly acceptedOrder?: number;
  readonly applyError?: string;
  /** Sensitive files an automatic apply left for a person to accept, each with its rule. */
  readonly held?: readonly { readonly path: string; readonly rule: string }[];
}

export interface TaskState {
  readonly taskId: string;
  readonly title: string;
  readonly kind: 'code' | 'test';
  readonly files: readonly string[];
  readonly dependsOn: readonly string[];
  readonly status: TaskStatus;
  readonly routes: readonly { readonly role: Role; readonly provider: ProviderId; readonly model: string; readonly explored: boolean; readonly patchId?: string }[];
  readonly patchIds: readonly string[];
}

export type Artifact =
  | { readonly kind: 'SpecDoc'; readonly body: SpecDoc }
  | { readonly kind: 'CodePatch'; readonly body: CodePatch }
  | { readonly kind: 'ReviewReport'; readonly body: ReviewReport }
  | { readonly kind: 'TestReport'; readonly body: TestReport }
  | { readonly kind: 'ValidationReport'; readonly body: ValidationReport };

export type ArtifactState = Artifact & { readonly artifactId: string; readonly taskId: string; readonly callId?: string };

export interface CostState {
  readonly spentUsd: number;
  /** Held for calls in flight: the most they can cost. */
  readonly reservedUsd: number;
  readonly unpricedCalls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly exceeded?: { readonly scope: string; readonly message: string };
}

export interface RunState {
  readonly runId: string;
  readonly status: RunStatus;
  readonly objective: string;
  readonly options?: RunOptions;
  /** What the user attached, and the run a follow-up continues. */
  readonly given?: RunGiven;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly spec?: SpecDoc;
  readonly tasks: Readonly<Record<string, TaskState>>;
  readonly taskOrder: readonly string[];
  readonly calls: Readonly<Record<string, CallState>>;
  readonly artifacts: Readonly<Record<string, ArtifactState>>;
  readonly patches: Readonly<Record<string, PatchState>>;
  readonly cost: CostState;
  readonly reservations: Readonly<Record<string, number>>;
  readonly acceptedCount: number;
  readonly error?: { readonly reason: string; readonly message: string };
  /** A revision the user asked for that has not ended yet (the task is neither accepted nor rejected again). */
  readonly revision?: { readonly taskId: string; readonly patchId: string; readonly reasons: readonly string[]; readonly firstRound: number };
  /** OpenTelemetry traces the run was exported under, oldest first (a resume or revision adds one). */
  readonly traceIds?: readonly string[];
  readonly lastSeq: number;
}

export function initialRunState(runId: string): RunState {
  return {
    runId,
    status: 'pending',
    objective: '',
    tasks: {},
    taskOrder: [],
    calls: {},
    artifacts: {},
    patches: {},
    cost: { spentUsd: 0, reservedUsd: 0, unpricedCalls: 0, inputTokens: 0, outputTokens: 0 },
    reservations: {},
    acceptedCount: 0,
    lastSeq: 0,
  };
}

export function projectRun(runId: string, events: readonly RecordedEvent[]): RunState {
  return events.reduce<RunState>(evolve, initialRunState(runId));
}

export function evolve(state: RunState, event: RunEvent & { seq?: number; ts?: number }): RunState {
  const next = apply(state, event);
  return event.seq === undefined ? next : { ...next, lastSeq: event.seq };
}

function apply(s: RunState, e: RunEvent & { ts?: number }): RunState {
  switch (e.type) {
    case 'run.started':
      return { ...s, status: 'running', objective: e.data.objective, options: e.data.options, ...(e.data.given ? { given: e.data.given } : {}), startedAt: s.startedAt ?? e.ts, endedAt: undefined, error: undefined };
    case 'plan.proposed': {
      const tasks: Record<string, TaskState> = {};
      for (const t of e.data.spec.tasks)
        tasks[t.id] = { taskId: t.id, title: t.title, kind: t.kind, files: t.files, dependsOn: t.dependsOn, status: 'pending', routes: [], patchIds: [] };
      return { ...s, spec: e.data.spec, tasks, taskOrder: e.data.spec.tasks.map((t) => t.id) };
    }
    case 'task.routed': {
      const route = { role: e.data.role, provider: e.data.provider, model: e.data.model, explored: e.data.explored, ...(e.data.patchId ? { patchId: e.data.patchId } : {}) };
      return updateTask(s, e.data.taskId, (t) => ({ ...t, status: t.status === 'pending' ? 'running' : t.status, routes: [...t.routes, route] }));
    }
    case 'agent.call.started': {
      const d = e.data;
      const call: CallState = { callId: d.callId, taskId: d.taskId, role: d.role, provider: d.provider, model: d.model, round: d.round, attempt: d.attempt, status: 'running', streamedChars: 0, costUsd: null, inputTokens: 0, outputTokens: 0, durationMs: 0 };
      return { ...s, calls: { ...s.calls, [d.callId]: call } };
    }
    case 'agent.call.streamed':
      return updateCall(s, e.data.callId, (c) => ({ ...c, streamedChars: c.streamedChars + e.data.chars }));
    case 'agent.call.finished': {
      const d = e.data;
      const s2 = updateCall(s, d.callId, (c) => ({
        ...c,
        status: d.outcome,
        costUsd: d.costUsd,
        inputTokens: d.usage.inputTokens,
        outputTokens: d.usage.outputTokens,
        durationMs: d.durationMs,
        ...(d.error ? { error: d.error } : {}),
        ...(d.invalidText !== undefined ? { invalidText: d.invalidText } : {}),
      }));
      return { ...s2, cost: addSpend(s2.cost, d.costUsd, d.usage.inputTokens, d.usage.outputTokens) };
    }
    case 'agent.call.failed': {
      const d = e.data;
      const s2 = updateCall(s, d.callId, (c) => ({ ...c, status: 'failed', costUsd: d.costUsd, durationMs: d.durationMs, error: `${d.kind}: ${d.message}` }));
      return { ...s2, cost: d.costUsd === null ? s2.cost : addSpend(s2.cost, d.costUsd, 0, 0) };
    }
    case 'artifact.produced': {
      const d = e.data;
      const artifact = { kind: d.kind, body: d.body, artifactId: d.artifactId, taskId: d.taskId, ...(d.callId ? { callId: d.callId } : {}) } as ArtifactState;
      return { ...s, artifacts: { ...s.artifacts, [d.artifactId]: artifact } };
    }
    case 'patch.proposed': {
      const d = e.data;
      const patch: PatchState = { patchId: d.patchId, taskId: d.taskId, round: d.round, artifactId: d.artifactId, provider: d.provider, model: d.model, files: d.files, status: 'proposed', reviews: [], rejectionReasons: [] };
      const s2 = updateTask(s, d.taskId, (t) => ({ ...t, status: 'running', patchIds: [...t.patchIds, d.patchId] }));
      return { ...s2, patches: { ...s2.patches, [d.patchId]: patch } };
    }
    case 'patch.validated': {
      const { patchId, ...v } = e.data;
      return updatePatch(s, patchId, (p) => ({ ...p, status: 'validated', validation: v }));
    }
    case 'review.verdict': {
      const d = e.data;
      return updatePatch(s, d.patchId, (p) => ({ ...p, reviews: [...p.reviews, { artifactId: d.artifactId, provider: d.provider, model: d.model, verdict: d.verdict, score: d.score }] }));
    }
    case 'validation.verdict': {
      const { patchId, why: _why, ...v } = e.data;
      return updatePatch(s, patchId, (p) => ({ ...p, validatorVerdict: v }));
    }
    case 'consensus.reached':
      return updatePatch(s, e.data.patchId, (p) => ({ ...p, decision: { decision: e.data.decision, reason: e.data.reason } }));
    case 'patch.accepted': {
      const s2 = updatePatch(s, e.data.patchId, (p) => ({ ...p, status: 'accepted', acceptedOrder: s.acceptedCount }));
      return { ...endRevision(updateTask(s2, e.data.taskId, (t) => ({ ...t, status: 'accepted' })), e.data.taskId), acceptedCount: s.acceptedCount + 1 };
    }
    case 'patch.rejected': {
      const s2 = updatePatch(s, e.data.patchId, (p) => ({ ...p, status: 'rejected', rejectionReasons: e.data.reasons }));
      return e.data.final ? endRevision(updateTask(s2, e.data.taskId, (t) => ({ ...t, status: 'rejected' })), e.data.taskId) : s2;
    }
    case 'task.revision.requested': {
      const { taskId, patchId, reasons, budgetUsd } = e.data;
      const options = s.options && budgetUsd !== undefined ? { ...s.options, budgetUsd } : s.options;
      const firstRound = (s.tasks[taskId]?.patchIds.length ?? 0) + 1;
      const s2 = updateTask(s, taskId, (t) => ({ ...t, status: 'running' }));
      return { ...s2, status: 'running', endedAt: undefined, error: undefined, revision: { taskId, patchId, reasons, firstRound }, ...(options ? { options } : {}) };
    }
    case 'task.failed':
      return endRevision(updateTask(s, e.data.taskId, (t) => ({ ...t, status: 'failed' })), e.data.taskId);
    case 'patch.applied':
      return updatePatch(s, e.data.patchId, (p) => ({ ...p, status: e.data.ok ? 'applied' : 'apply_failed', ...(e.data.error ? { applyError: e.data.error } : {}), ...(e.data.held?.length ? { held: e.data.held } : {}) }));
    case 'budget.reserved':
      return { ...s, reservations: { ...s.reservations, [e.data.callId]: e.data.amountUsd }, cost: { ...s.cost, reservedUsd: s.cost.reservedUsd + e.data.amountUsd } };
    case 'budget.released': {
      const { [e.data.callId]: _held, ...rest } = s.reservations;
      const held = own(s.reservations, e.data.callId);
      const cost = { ...s.cost, reservedUsd: Math.max(0, s.cost.reservedUsd - (held ?? 0)) };
      return { ...s, reservations: rest, cost: e.data.unknownUsage ? addSpend(cost, e.data.spentUsd, 0, 0) : cost };
    }
    case 'budget.exceeded':
      return { ...s, cost: { ...s.cost, exceeded: { scope: e.data.scope, message: e.data.message } } };
    case 'run.paused':
      return { ...s, status: 'paused' };
    case 'run.resumed':
      return {
        ...s,
        status: 'running',
        cost: { ...s.cost, exceeded: undefined },
        options: s.options && e.data.budgetUsd !== undefined ? { ...s.options, budgetUsd: e.data.budgetUsd } : s.options,
      };
    case 'run.completed':
      return { ...s, status: 'completed', endedAt: e.ts };
    case 'run.failed':
      return { ...s, status: 'failed', endedAt: e.ts, error: { reason: e.data.reason, message: e.data.message } };
    case 'run.cancelled':
      return { ...s, status: 'cancelled', endedAt: e.ts, error: { reason: 'cancelled', message: e.data.reason } };
    case 'run.traced':
      return { ...s, traceIds: [...(s.traceIds ?? []), e.data.traceId] };
    default:
      return s; // the user's review (review.*) is folded in src/app/review
  }
}

function addSpend(c: CostState, costUsd: number | null, input: number, output: number): CostState {
  return {
    ...c,
    spentUsd: c.spentUsd + (costUsd ?? 0),
    unpricedCalls: c.unpricedCalls + (costUsd === null ? 1 : 0),
    inputTokens: c.inputTokens + input,
    outputTokens: c.outputTokens + output,
  };
}

function endRevision(s: RunState, taskId: string): RunState {
  if (s.revision?.taskId !== taskId) return s;
  const { revision: _ended, ...rest } = s;
  return rest;
}

function updateTask(s: RunState, taskId: string, f: (t: TaskState) => TaskState): RunState {
  const t = own(s.tasks, taskId);
  return t ? { ...s, tasks: { ...s.tasks, [taskId]: f(t) } } : s;
}

function updateCall(s: RunState, callId: string, f: (c: CallState) => CallState): RunState {
  const c = own(s.calls, callId);
  return c ? { ...s, calls: { ...s.calls, [callId]: f(c) } } : s;
}

function updatePatch(s: RunState, patchId: string, f: (p: PatchState) => PatchState): RunState {
  const p = own(s.patches, patchId);
  return p ? { ...s, patches: { ...s.patches, [patchId]: f(p) } } : s;
}

/** Ids come from events (and models): '__proto__' or 'constructor' must find nothing, not Object.prototype. */
function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Patches of a run that passed review: what it produced for the user. */
export function forReview(state: RunState): number {
  return Object.values(state.patches).filter((p) => p.status === 'accepted' || p.status === 'applied').length;
}
