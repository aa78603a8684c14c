// The task graph as the scheduler sees it, and what of the workspace each prompt is shown.
import type { PlanTask } from '../artifacts/schemas';
import type { FileExcerpt } from '../agents/prompts';
import type { WorkspaceView } from './workspaceView';

export interface Finished<O> {
  readonly taskId: string;
  readonly outcome: O;
}

/**
 * Runs every task once all of its prerequisites have finished: the tasks it depends on, and every
 * task before it (in dependency order, then plan order) that touches one of its files, so two
 * patches never race for one file and the order they stage in is the same on every run. Tasks with
 * nothing in common run in parallel; the model calls inside are bounded by the provider limiter.
 */
export async function schedule<O>(tasks: readonly PlanTask[], run: (task: PlanTask, prerequisites: readonly Finished<O>[]) => Promise<O>): Promise<Finished<O>[]> {
  const order = topologicalOrder(tasks);
  const results = new Map<string, Promise<Finished<O>>>();
  for (const [i, task] of order.entries()) {
    const before = order.slice(0, i).filter((other) => task.dependsOn.includes(other.id) || sharesFile(task, other));
    const waits = before.map((other) => results.get(other.id)!);
    results.set(
      task.id,
      Promise.all(waits).then(async (prerequisites) => ({ taskId: task.id, outcome: await run(task, prerequisites) })),
    );
  }
  return Promise.all(order.map((t) => results.get(t.id)!));
}

/** Dependencies first; among tasks that are free to go, plan order. The SpecDoc schema rules out cycles. */
export function topologicalOrder(tasks: readonly PlanTask[]): PlanTask[] {
  const done = new Set<string>();
  const out: PlanTask[] = [];
  while (out.length < tasks.length) {
    const next = tasks.find((t) => !done.has(t.id) && t.dependsOn.every((d) => done.has(d)));
    if (!next) throw new Error('the task graph has a cycle');
    done.add(next.id);
    out.push(next);
  }
  return out;
}

function sharesFile(a: PlanTask, b: PlanTask): boolean {
  return a.files.some((f) => b.files.includes(f));
}

/** The task's files as the run sees them now (accepted patches staged on top). */
export function excerpts(view: WorkspaceView, files: readonly string[]): FileExcerpt[] {
  return files.map((path) => ({ path, text: view.read(path) }));
}

const PLANNING_BUDGET_CHARS = 48_000;
const PLANNING_FILE_MAX_CHARS = 16_000;

/** For the planner: whole files, in path order, while they fit a fixed budget (the list names the rest). */
export function planningExcerpts(view: WorkspaceView, files: readonly string[]): FileExcerpt[] {
  const out: FileExcerpt[] = [];
  let used = 0;
  for (const path of files) {
    const text = view.read(path);
    if (text === undefined || text.length > PLANNING_FILE_MAX_CHARS || text.includes('\0')) continue;
    if (used + text.length > PLANNING_BUDGET_CHARS) break;
    used += text.length;
    out.push({ path, text });
  }
  return out;
}
