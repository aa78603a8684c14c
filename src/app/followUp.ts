// A follow-up turn ("also handle page size 0") is a new run given the earlier run's objective and
// what came of it: which changes reached the files (applied by the run, or accepted hunk by hunk in
// review), which wait for review, which the user rejected, which tasks came to nothing. Read from the
// earlier run's events only; plain data, tested in Node.
import { clampOutcome, type FollowUp } from '../core/agents/runGiven';
import type { RecordedEvent } from '../core/events';
import { projectRun } from '../core/orchestrator/runState';

export function followUpOf(runId: string, events: readonly RecordedEvent[]): FollowUp {
  const state = projectRun(runId, events);
  const fileOfHunk = new Map<string, string>();
  const applied = new Set<string>();
  const rejected = new Set<string>();
  for (const e of events) {
    if (e.type === 'review.proposed') for (const f of e.data.files) for (const h of f.hunks) fileOfHunk.set(h.id, f.path);
    else if (e.type === 'review.applied') for (const id of e.data.hunkIds) applied.add(id);
    else if (e.type === 'review.rejected') for (const id of e.data.hunkIds) rejected.add(id);
    else if (e.type === 'review.rolledBack') for (const id of e.data.reverted) applied.delete(id);
  }
  const filesOf = (ids: Iterable<string>) => [...new Set([...ids].map((id) => fileOfHunk.get(id)).filter((p): p is string => p !== undefined))].sort();
  const byRun = Object.values(state.patches).filter((p) => p.status === 'applied').flatMap((p) => p.files);
  const reachedFiles = [...new Set([...byRun, ...filesOf(applied)])].sort();
  const waiting = Object.values(state.patches).filter((p) => p.status === 'accepted').flatMap((p) => p.files).filter((f) => !reachedFiles.includes(f));
  const tasks = Object.values(state.tasks);
  const lines = [
    state.spec ? `plan: ${state.spec.summary}` : '',
    reachedFiles.length ? `changes applied to ${reachedFiles.join(', ')}` : 'no change of it was applied',
    waiting.length ? `still waiting for review: ${[...new Set(waiting)].join(', ')}` : '',
    rejected.size ? `the user rejected changes to ${filesOf(rejected).join(', ')}` : '',
    ...tasks.filter((t) => t.status === 'failed' || t.status === 'rejected').map((t) => `task "${t.title}" was not done (${t.status})`),
    state.status !== 'completed' ? `the run ${state.status === 'cancelled' ? 'was cancelled' : state.status === 'failed' ? `failed: ${state.error?.message ?? ''}` : 'did not finish'}` : '',
  ].filter(Boolean);
  return { runId, objective: state.objective, outcome: clampOutcome(lines.join('; ')) };
}
