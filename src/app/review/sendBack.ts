// Sending a reviewed patch back to its author: the user's rejections become the revision's reasons
// (each naming its file and lines, so the author knows which part), and when the revision ends its
// new patch replaces the one sent back in the review, planned against the files as they are now.
import type { FileText } from '../../core/patch/fileText';
import type { RunState } from '../../core/orchestrator/runState';
import { buildReview, type ReviewHunk, type ReviewFile, type ReviewPatch, type ReviewState } from './reviewState';

/** Lines a hunk covers, 1-based: the old lines it replaces, or the new ones of a created file. */
export function hunkLines(file: ReviewFile, hunk: ReviewHunk): string {
  const start = hunk.oldStart + 1;
  const count = Math.max(1, file.action === 'create' || file.action === 'rename' ? hunk.newLines.length : hunk.oldLines.length || hunk.newLines.length);
  return count === 1 ? `line ${start}` : `lines ${start}-${start + count - 1}`;
}

/** One reason per rejected hunk: the user's words with where they apply, or a generic one. */
export function revisionReasons(patch: ReviewPatch): string[] {
  return patch.files.flatMap((f) =>
    f.hunks
      .filter((h) => h.decision === 'rejected')
      .map((h) => (h.reason?.trim() ? `${f.path} ${hunkLines(f, h)}: ${h.reason.trim()}` : `the user rejected this change in ${f.path} ${hunkLines(f, h)}`)),
  );
}

/** Patches with something rejected, those with the user's own reasons first. */
export function sendBackCandidates(state: ReviewState): ReviewPatch[] {
  const rejected = (p: ReviewPatch) => p.files.flatMap((f) => f.hunks).filter((h) => h.decision === 'rejected');
  const withReasons = (p: ReviewPatch) => rejected(p).some((h) => h.reason?.trim());
  const candidates = state.patches.filter((p) => rejected(p).length > 0);
  return [...candidates.filter(withReasons), ...candidates.filter((p) => !withReasons(p))];
}

/** The patch a revision produced for the task of `sentBack`, if the run accepted one. */
export function revisedPatchId(run: RunState, sentBack: string, reviewed: ReadonlySet<string>): string | null {
  const taskId = run.patches[sentBack]?.taskId;
  const fresh = Object.values(run.patches).filter((p) => p.taskId === taskId && p.status === 'accepted' && !reviewed.has(p.patchId));
  return fresh.sort((a, b) => (b.acceptedOrder ?? 0) - (a.acceptedOrder ?? 0))[0]?.patchId ?? null;
}

/**
 * The review after a revision: the other patches keep their decisions (and pending hunks), the
 * patch sent back gives way to the new one, whose hunks are pending against the files on disk.
 */
export function reviewAfterRevision(before: ReviewState, run: RunState, sentBack: string, read: (path: string) => FileText | undefined): { state: ReviewState; patchId: string | null } {
  const patchId = revisedPatchId(run, sentBack, new Set(before.patches.map((p) => p.patchId)));
  if (!patchId) return { state: before, patchId: null };
  const added = buildReview(run, read, (id) => id === patchId).patches;
  return { state: { ...before, patches: [...before.patches.filter((p) => p.patchId !== sentBack), ...added] }, patchId };
}
