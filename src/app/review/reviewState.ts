// The review of one run's patches: every proposed file change split into hunks, each pending until
// the user accepts or rejects it. Built once from the run (patches planned in the order the run
// accepted them, each on top of the ones before, as the orchestrator staged them), then changed
// only by decisions, so it can be saved and restored as plain JSON.
import type { CodePatch } from '../../core/patch/codePatch';
import { encodeFile, type FileText } from '../../core/patch/fileText';
import { planPatch, type FileAction } from '../../core/patch/planPatch';
import { parseText } from '../../core/patch/fileText';
import type { RunState } from '../../core/orchestrator/runState';
import { allHunks, type HunkDecision, type HunkRef, type ReviewFile, type ReviewHunk, type ReviewPatch, type ReviewState } from '../../core/review/reviewTypes';
import { splitHunks } from './hunks';

export type { HunkDecision, HunkRef, ReviewFile, ReviewHunk, ReviewPatch, ReviewState } from '../../core/review/reviewTypes';
export { allHunks } from '../../core/review/reviewTypes';

/**
 * The patches a run accepted and did not apply, ready for review against the workspace's files
 * (`include`: only some of them, e.g. the new round of a revision).
 */
export function buildReview(run: RunState, read: (path: string) => FileText | undefined, include: (patchId: string) => boolean = () => true): ReviewState {
  const staged = new Map<string, FileText | undefined>();
  const source = (p: string) => (staged.has(p) ? staged.get(p) : read(p));
  const patches: ReviewPatch[] = [];
  const accepted = Object.values(run.patches)
    .filter((p) => p.status === 'accepted' && include(p.patchId))
    .sort((a, b) => (a.acceptedOrder ?? 0) - (b.acceptedOrder ?? 0));
  for (const p of accepted) {
    const artifact = run.artifacts[p.artifactId];
    if (artifact?.kind !== 'CodePatch') continue;
    const body: CodePatch = artifact.body;
    const plan = planPatch(body, source);
    const problems = plan.edits.filter((e) => e.status === 'refused').map((e) => `${e.path}: ${e.reason ?? 'does not apply'}`);
    const files: ReviewFile[] = [];
    if (plan.ok) {
      for (const f of plan.files) {
        files.push(reviewFile(`${run.runId}/${p.patchId}`, f.path, f.action, f.from, f.before, f.after));
        staged.set(f.path, f.after === undefined ? undefined : parseText(f.after));
        if (f.from) staged.set(f.from, undefined);
      }
    }
    patches.push({ runId: run.runId, patchId: p.patchId, taskId: p.taskId, taskTitle: run.tasks[p.taskId]?.title ?? p.taskId, summary: body.summary, provider: p.provider, model: p.model, files, problems });
  }
  return { runId: run.runId, objective: run.objective, patches };
}

function reviewFile(idPrefix: string, path: string, action: FileAction, from: string | undefined, before: string | undefined, after: string | undefined): ReviewFile {
  // ids name the run too: the same patch id (task-1.r1) comes back in every run
  const prefix = `${idPrefix}/${path}`;
  const pending = { decision: 'pending' as const };
  const whole = (oldLines: readonly string[], newLines: readonly string[]): ReviewHunk => ({ id: `${prefix}#file`, index: 0, oldStart: 0, oldLines, newLines, contextBefore: [], contextAfter: [], ...pending });
  if (action === 'modify') {
    const b = parseText(before ?? '');
    const a = parseText(after ?? '');
    return { path, action, eol: b.eol, hunks: splitHunks(prefix, b.lines, a.lines).map((h) => ({ ...h, ...pending })) };
  }
  const text = action === 'delete' ? before ?? '' : after ?? '';
  const parsed = parseText(text);
  const content = encodeFile({ ...parsed, bom: false });
  if (action === 'delete') return { path, action, eol: parsed.eol, content, hunks: [whole(parsed.lines, [])] };
  return { path, action, ...(from ? { from } : {}), eol: parsed.eol, content, hunks: [whole([], parsed.lines)] };
}

/** What a command names: a patch, a file (in a patch or in every patch), a hunk by index or id. */
export interface HunkTarget {
  readonly patchId?: string;
  readonly file?: string;
  readonly hunk?: number | string;
}

export function selectHunks(state: ReviewState, target: HunkTarget, decisions: readonly HunkDecision[] = ['pending']): HunkRef[] {
  return allHunks(state).filter(({ patch, file, hunk }) => {
    if (!decisions.includes(hunk.decision)) return false;
    if (typeof target.hunk === 'string') return hunk.id === target.hunk;
    if (target.patchId !== undefined && patch.patchId !== target.patchId) return false;
    if (target.file !== undefined && file.path !== target.file) return false;
    return typeof target.hunk === 'number' ? hunk.index === target.hunk : true;
  });
}

/** Records decisions on pending hunks; a decided hunk keeps its decision. */
export function decide(state: ReviewState, hunkIds: ReadonlySet<string>, decision: Exclude<HunkDecision, 'pending'>, reason?: string): ReviewState {
  return {
    ...state,
    patches: state.patches.map((p) => ({
      ...p,
      files: p.files.map((f) => ({
        ...f,
        hunks: f.hunks.map((h) => (hunkIds.has(h.id) && h.decision === 'pending' ? { ...h, decision, ...(reason ? { reason } : {}) } : h)),
      })),
    })),
  };
}

export type PatchOutcome = 'pending' | 'accepted' | 'rejected' | 'partial';

export function patchOutcome(patch: ReviewPatch): PatchOutcome {
  const hunks = patch.files.flatMap((f) => f.hunks);
  if (hunks.some((h) => h.decision === 'pending')) return 'pending';
  const accepted = hunks.filter((h) => h.decision === 'accepted').length;
  if (accepted === hunks.length && hunks.length > 0) return 'accepted';
  return accepted === 0 ? 'rejected' : 'partial';
}

export function counts(state: ReviewState): Record<HunkDecision, number> {
  const out: Record<HunkDecision, number> = { pending: 0, accepted: 0, rejected: 0, conflict: 0 };
  for (const { hunk } of allHunks(state)) out[hunk.decision]++;
  return out;
}

/** The plain-JSON view tests and the dashboard read: no line contents, just what is decided. */
export function reviewSummary(state: ReviewState) {
  return {
    runId: state.runId,
    counts: counts(state),
    patches: state.patches.map((p) => ({
      patchId: p.patchId,
      taskId: p.taskId,
      summary: p.summary,
      outcome: patchOutcome(p),
      problems: p.problems,
      files: p.files.map((f) => ({
        path: f.path,
        action: f.action,
        hunks: f.hunks.map((h) => ({ id: h.id, index: h.index, oldStart: h.oldStart, removed: h.oldLines.length, added: h.newLines.length, decision: h.decision, ...(h.reason ? { reason: h.reason } : {}) })),
      })),
    })),
  };
}
