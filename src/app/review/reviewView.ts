// The review as data for a caller outside the process (the CLI's --json, the HTTP API): each run's
// patches and hunks with their ids, files, line ranges, decisions and lines. The same shape in both.
import { busyHunks, pendingCount, type RunReview } from '../../core/review/reviewProjection';
import type { HunkRef } from '../../core/review/reviewTypes';

export interface HunkView {
  readonly id: string;
  readonly patchId: string;
  readonly path: string;
  readonly action: string;
  readonly from?: string;
  /** pending, accepted, rejected, conflict, or applying (a write under way). */
  readonly decision: string;
  readonly reason?: string;
  readonly startLine: number;
  readonly removed: number;
  readonly added: number;
  readonly oldLines: string[];
  readonly newLines: string[];
}

export interface RunReviewView {
  readonly runId: string;
  readonly objective: string;
  readonly pending: number;
  readonly applied: number;
  readonly patches: {
    readonly patchId: string;
    readonly taskId: string;
    readonly summary: string;
    readonly provider: string;
    readonly model: string;
    readonly problems: string[];
    readonly hunks: HunkView[];
  }[];
}

export function hunkView({ patch, file, hunk }: HunkRef, busy: ReadonlySet<string>): HunkView {
  return {
    id: hunk.id,
    patchId: patch.patchId,
    path: file.path,
    action: file.action,
    ...(file.from ? { from: file.from } : {}),
    decision: busy.has(hunk.id) ? 'applying' : hunk.decision,
    ...(hunk.reason ? { reason: hunk.reason } : {}),
    startLine: hunk.oldStart + 1,
    removed: hunk.oldLines.length,
    added: hunk.newLines.length,
    oldLines: [...hunk.oldLines],
    newLines: [...hunk.newLines],
  };
}

export function runReviewView(run: RunReview): RunReviewView {
  const busy = busyHunks(run);
  return {
    runId: run.runId,
    objective: run.objective,
    pending: pendingCount(run),
    applied: run.applied.length,
    patches: run.patches.map((patch) => ({
      patchId: patch.patchId,
      taskId: patch.taskId,
      summary: patch.summary,
      provider: patch.provider,
      model: patch.model,
      problems: [...patch.problems],
      hunks: patch.files.flatMap((file) => file.hunks.map((hunk) => hunkView({ patch, file, hunk }, busy))),
    })),
  };
}
