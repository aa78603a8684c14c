// What a finished run (or a revision) honestly came to, in one line for a notification or the
// dashboard: "completed" is not the same as "produced something to review". Plain: tested in Node.
import { forReview as passedReview, type RunState } from '../core/orchestrator/runState';

export interface RunOutcome {
  /** Patches that passed review and wait for the user. */
  readonly forReview: number;
  /** One line when the run produced nothing to review (or ended otherwise); undefined when there is something. */
  readonly problem?: string;
}

export function runOutcome(s: RunState): RunOutcome {
  const patches = Object.values(s.patches);
  const forReview = passedReview(s);
  if (s.status !== 'completed' || forReview > 0) return { forReview };
  const tasks = Object.values(s.tasks);
  if (tasks.length === 0) return { forReview, problem: 'the run finished without a plan: nothing to review (Show Run has the details)' };
  const notApplying = patches.filter((p) => p.validation && !p.validation.applies).length;
  const checkFailed = patches.filter((p) => p.validation?.applies && !p.validation.ok).length;
  const rejected = patches.filter((p) => p.reviews.length > 0 && p.decision?.decision === 'reject').length;
  const failedCalls = Object.values(s.calls).filter((c) => c.status === 'failed' || c.status === 'invalid').length;
  const parts = [
    patches.length === 0 ? 'no agent wrote a patch' : `${patches.length} patch(es) written`,
    rejected ? `${rejected} rejected by reviewers` : '',
    checkFailed ? `${checkFailed} failed the check command` : '',
    notApplying ? `${notApplying} did not apply to the files` : '',
    failedCalls ? `${failedCalls} model call(s) failed` : '',
  ].filter(Boolean);
  return { forReview, problem: `the run finished with nothing to review: ${parts.join(', ')} (Show Run has the details)` };
}

/** After Send Back: why no new patch is up for review, naming what actually happened. */
export function revisionOutcome(s: RunState, sentBack: string): string {
  const taskId = s.patches[sentBack]?.taskId;
  const task = taskId ? s.tasks[taskId] : undefined;
  const after = task ? task.patchIds.slice(task.patchIds.indexOf(sentBack) + 1).map((id) => s.patches[id]!).filter(Boolean) : [];
  const last = after[after.length - 1];
  if (!last) {
    const failed = Object.values(s.calls).filter((c) => c.taskId === taskId && c.role !== 'reviewer' && c.status !== 'valid' && c.status !== 'running').pop();
    return `the agent wrote no new patch${failed?.error ? ` (${failed.error.slice(0, 160)})` : ''}; nothing new to review`;
  }
  if (last.validation && !last.validation.applies) return `the revised patch no longer applies to your files (${(last.validation.problems[0] ?? 'it does not match them').split('\n')[0]!.slice(0, 160)}); no reviewer ran, nothing new to review`;
  if (last.validation && !last.validation.ok) return `the revised patch failed the check (${(last.validation.problems[0] ?? '').replace(/\s*\n\s*/g, ' ').slice(0, 160)}); no reviewer ran, nothing new to review`;
  if (last.reviews.length > 0 && last.decision?.decision === 'reject') return `reviewers rejected the revised patch (${last.rejectionReasons.join('; ').slice(0, 160) || last.decision.reason}); nothing new to review`;
  return `the revision ended without a patch for review (${last.status}); Show Run has the details`;
}
