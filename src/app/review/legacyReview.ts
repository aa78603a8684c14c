// The review as earlier versions kept it (the editor's workspaceState: one run's review and every
// run's checkpoint, as plain JSON) turned into the events that say the same, once. Read with zod:
// a memento is a file nobody validated.
import { z } from 'zod';
import { CheckpointEntrySchema, event, ReviewFileSchema, type ProcessRef, type RunEvent } from '../../core/events';
import type { ReviewBook } from '../../core/review/reviewProjection';

const LegacyHunk = z.object({ id: z.string(), decision: z.enum(['pending', 'accepted', 'rejected', 'conflict']), reason: z.string().optional() }).passthrough();
const LegacyState = z.object({
  runId: z.string(),
  objective: z.string(),
  patches: z.array(
    z.object({
      patchId: z.string(),
      taskId: z.string(),
      taskTitle: z.string(),
      summary: z.string(),
      provider: z.string(),
      model: z.string(),
      problems: z.array(z.string()),
      files: z.array(ReviewFileSchema.extend({ hunks: z.array(z.intersection(ReviewFileSchema.shape.hunks.element, LegacyHunk)) })),
    }),
  ),
});
const LegacyCheckpoints = z.array(z.object({ runId: z.string(), entries: z.array(CheckpointEntrySchema) }));

export interface LegacyMigration {
  readonly events: ReadonlyMap<string, RunEvent[]>;
  readonly problems: readonly string[];
}

/** Events for what the old memento holds and the log does not have yet (a run already in the log is left alone). */
/** The runs an old workspaceState review names (to read their review before migrating). */
export function legacyRunIds(state: unknown, checkpoints: unknown): string[] {
  const ids = new Set<string>();
  const s = state as { runId?: unknown } | undefined;
  if (typeof s?.runId === 'string') ids.add(s.runId);
  if (Array.isArray(checkpoints)) for (const c of checkpoints) if (typeof (c as { runId?: unknown })?.runId === 'string') ids.add((c as { runId: string }).runId);
  return [...ids];
}

export function migrateLegacyReview(state: unknown, checkpoints: unknown, book: ReviewBook, by: ProcessRef): LegacyMigration {
  const events = new Map<string, RunEvent[]>();
  const problems: string[] = [];
  const add = (runId: string, e: RunEvent) => events.set(runId, [...(events.get(runId) ?? []), e]);
  const cps = checkpoints === undefined ? { success: true as const, data: [] } : LegacyCheckpoints.safeParse(checkpoints);
  if (!cps.success) problems.push('the saved checkpoints are not in a shape this version reads; they were left out');
  const entriesOf = (runId: string) => (cps.success ? cps.data.filter((c) => c.runId === runId).flatMap((c) => c.entries) : []);
  const parsed = state === undefined ? undefined : LegacyState.safeParse(state);
  if (parsed && !parsed.success) problems.push('the saved review is not in a shape this version reads; it was left out');
  const legacy = parsed?.success ? parsed.data : undefined;
  if (legacy && !book.runs[legacy.runId]) {
    const runId = legacy.runId;
    for (const p of legacy.patches) {
      add(runId, event('review.proposed', {
        patchId: p.patchId,
        taskId: p.taskId,
        taskTitle: p.taskTitle,
        summary: p.summary,
        provider: p.provider as never,
        model: p.model,
        objective: legacy.objective,
        problems: p.problems,
        files: p.files.map((f) => ({ ...f, hunks: f.hunks.map(({ id, index, oldStart, oldLines, newLines, contextBefore, contextAfter }) => ({ id, index, oldStart, oldLines, newLines, contextBefore, contextAfter })) })),
      }));
    }
    const hunks = legacy.patches.flatMap((p) => p.files.flatMap((f) => f.hunks));
    const accepted = hunks.filter((h) => h.decision === 'accepted').map((h) => h.id);
    if (accepted.length) {
      const decisionId = `migrated-${runId}-accept`;
      add(runId, event('review.accepting', { decisionId, hunkIds: accepted, entries: entriesOf(runId), by }));
      add(runId, event('review.applied', { decisionId, hunkIds: accepted }));
    }
    for (const h of hunks.filter((x) => x.decision === 'rejected')) add(runId, event('review.rejected', { decisionId: `migrated-${h.id}`, hunkIds: [h.id], ...(h.reason ? { reason: h.reason } : {}) }));
    const conflicts = hunks.filter((h) => h.decision === 'conflict');
    if (conflicts.length) add(runId, event('review.conflicted', { decisionId: `migrated-${runId}-conflicts`, hunks: conflicts.map((h) => ({ hunkId: h.id, reason: 'no longer matched the files (before this version)' })) }));
  }
  // runs whose review is gone but whose applied hunks can still be rolled back
  for (const cp of cps.success ? cps.data : []) {
    if (cp.runId === legacy?.runId || book.runs[cp.runId] || cp.entries.length === 0) continue;
    const decisionId = `migrated-${cp.runId}-checkpoint`;
    const hunkIds = cp.entries.map((e) => e.hunkId);
    add(cp.runId, event('review.accepting', { decisionId, hunkIds, entries: cp.entries, by }));
    add(cp.runId, event('review.applied', { decisionId, hunkIds }));
  }
  return { events, problems };
}
