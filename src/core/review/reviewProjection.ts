// Pending review as a fold over the review.* events of every run: which hunks are pending, decided,
// in conflict; what each run has applied (its checkpoint); which two-step writes (an accept, a
// rollback) were started and not finished. Pure: every process folding the same events gets the
// same review, and several runs can have reviews pending side by side.
import type { CheckpointEntryData as CheckpointEntry, ProcessRef, RecordedEvent, RunEvent } from '../events';
import { allHunks, type HunkDecision, type ReviewHunk, type ReviewPatch, type ReviewState } from './reviewTypes';

export type InFlight =
  | { readonly kind: 'accept'; readonly decisionId: string; readonly hunkIds: readonly string[]; readonly entries: readonly CheckpointEntry[]; readonly by: ProcessRef }
  | { readonly kind: 'rollback'; readonly decisionId: string; readonly hunkIds: readonly string[]; readonly by: ProcessRef };

export interface RunReview extends ReviewState {
  /** What the run's accepted hunks changed and was not rolled back, oldest first. */
  readonly applied: readonly CheckpointEntry[];
  readonly inFlight: readonly InFlight[];
  /** Patches a revision replaced: never proposed again. */
  readonly retired: readonly string[];
  readonly updatedAt: number;
}

export interface ReviewBook {
  readonly runs: Readonly<Record<string, RunReview>>;
}

export const EMPTY_BOOK: ReviewBook = { runs: {} };

export function isReviewEvent(type: string): boolean {
  return type.startsWith('review.') && type !== 'review.verdict';
}

export function projectReviews(events: Iterable<RecordedEvent>, book: ReviewBook = EMPTY_BOOK): ReviewBook {
  let out = book;
  for (const e of events) out = evolveReview(out, e);
  return out;
}

export function evolveReview(book: ReviewBook, e: RecordedEvent): ReviewBook {
  const before = book.runs[e.runId];
  if (!before && e.type !== 'review.proposed' && e.type !== 'review.accepting') return book;
  const run = before ?? { runId: e.runId, objective: '', patches: [], applied: [], inFlight: [], retired: [], updatedAt: e.ts };
  const next = evolveRun(run, e);
  return next === run ? book : { runs: { ...book.runs, [e.runId]: { ...next, updatedAt: e.ts } } };
}

function evolveRun(run: RunReview, e: RunEvent): RunReview {
  switch (e.type) {
    case 'review.proposed': {
      const d = e.data;
      if (run.patches.some((p) => p.patchId === d.patchId) || run.retired.includes(d.patchId)) return run;
      const patch: ReviewPatch = {
        runId: run.runId,
        patchId: d.patchId,
        taskId: d.taskId,
        taskTitle: d.taskTitle,
        summary: d.summary,
        provider: d.provider,
        model: d.model,
        problems: d.problems,
        files: d.files.map((f) => ({ ...f, hunks: f.hunks.map((h) => ({ ...h, decision: 'pending' as const })) })),
      };
      return { ...run, objective: run.objective || d.objective, patches: [...run.patches, patch] };
    }
    case 'review.superseded':
      return { ...run, patches: run.patches.filter((p) => p.patchId !== e.data.patchId), retired: [...run.retired, e.data.patchId] };
    case 'review.accepting':
      return { ...run, inFlight: [...run.inFlight, { kind: 'accept', ...e.data }] };
    case 'review.applied': {
      const flight = run.inFlight.find((f) => f.decisionId === e.data.decisionId && f.kind === 'accept');
      if (!flight || flight.kind !== 'accept') return run;
      const done = { ...run, inFlight: run.inFlight.filter((f) => f !== flight), applied: [...run.applied, ...flight.entries] };
      return setDecisions(done, new Map(e.data.hunkIds.map((id) => [id, { decision: 'accepted' as const }])), ['pending']);
    }
    case 'review.abandoned':
      return { ...run, inFlight: run.inFlight.filter((f) => f.decisionId !== e.data.decisionId) };
    case 'review.conflicted':
      return setDecisions(run, new Map(e.data.hunks.map((h) => [h.hunkId, { decision: 'conflict' as const, reason: h.reason }])), ['pending']);
    case 'review.rejected': {
      const reason = e.data.reason;
      return setDecisions(run, new Map(e.data.hunkIds.map((id) => [id, { decision: 'rejected' as const, ...(reason ? { reason } : {}) }])), ['pending']);
    }
    case 'review.rollingBack':
      return { ...run, inFlight: [...run.inFlight, { kind: 'rollback', ...e.data }] };
    case 'review.rolledBack': {
      const reverted = new Set(e.data.reverted);
      const done = { ...run, inFlight: run.inFlight.filter((f) => f.decisionId !== e.data.decisionId), applied: run.applied.filter((a) => !reverted.has(a.hunkId)) };
      // reverted hunks are pending again: the user may take them a second time
      return setDecisions(done, new Map([...reverted].map((id) => [id, { decision: 'pending' as const }])), ['accepted']);
    }
    default:
      return run;
  }
}

function setDecisions(run: RunReview, changes: ReadonlyMap<string, { decision: HunkDecision; reason?: string }>, from: readonly HunkDecision[]): RunReview {
  const update = (h: ReviewHunk): ReviewHunk => {
    const c = changes.get(h.id);
    if (!c || !from.includes(h.decision)) return h;
    const { reason: _old, ...rest } = h;
    return { ...rest, decision: c.decision, ...(c.reason ? { reason: c.reason } : {}) };
  };
  return { ...run, patches: run.patches.map((p) => ({ ...p, files: p.files.map((f) => ({ ...f, hunks: f.hunks.map(update) })) })) };
}

/** Hunk ids some process is writing right now (or crashed writing): not offered for a decision. */
export function busyHunks(run: RunReview): Set<string> {
  return new Set(run.inFlight.filter((f) => f.kind === 'accept').flatMap((f) => f.hunkIds));
}

export function pendingCount(run: RunReview): number {
  const busy = busyHunks(run);
  return allHunks(run).filter(({ hunk }) => hunk.decision === 'pending' && !busy.has(hunk.id)).length;
}

/** Runs with something pending or applied, newest first. */
export function activeReviews(book: ReviewBook): RunReview[] {
  return Object.values(book.runs)
    .filter((r) => pendingCount(r) > 0 || r.inFlight.length > 0)
    .sort((a, b) => b.updatedAt - a.updatedAt || (a.runId < b.runId ? 1 : -1));
}

/**
 * Every run's review as one ReviewState (patches carry their runId): what the editor shows inline,
 * where hunks of several runs can sit in the same file. `runId` is the newest run's.
 */
export function mergedReview(book: ReviewBook): ReviewState | undefined {
  const runs = Object.values(book.runs).sort((a, b) => a.updatedAt - b.updatedAt);
  if (runs.length === 0) return undefined;
  const newest = runs[runs.length - 1]!;
  return { runId: newest.runId, objective: newest.objective, patches: runs.flatMap((r) => {
    const busy = busyHunks(r);
    return busy.size === 0 ? r.patches : r.patches.map((p) => ({ ...p, files: p.files.map((f) => ({ ...f, hunks: f.hunks.filter((h) => !busy.has(h.id)) })) }));
  }) };
}
