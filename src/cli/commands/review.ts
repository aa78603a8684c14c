// codecompanion review: the same review as the editor's, from the terminal. Lists what is pending
// (every run, or one), shows a hunk's diff, accepts, rejects and rolls back by hunk id through the
// same service, patch engine and checkpoint code as the editor.
import { WorkspaceStore } from '../../app/workspaceStore';
import { WorkspaceReview } from '../../app/review/workspaceReview';
import { hunkView, runReviewView } from '../../app/review/reviewView';
import { activeReviews, busyHunks, pendingCount, type ReviewBook, type RunReview } from '../../core/review/reviewProjection';
import { findHunk, type ReviewService, runsOfHunks } from '../../app/review/reviewService';
import { allHunks, type HunkRef } from '../../app/review/reviewState';
import { hunkLines } from '../../app/review/sendBack';
import { SENSITIVE_PATHS_ENV, SensitivePaths } from '../../core/patch/sensitivePaths';
import { parseCommandLine, UsageError, type CliCommand, type CliIo, resolveWorkspace } from '../io';

const OPTIONS = {
  cwd: { type: 'string' },
  json: { type: 'boolean' },
  diff: { type: 'boolean' },
  all: { type: 'boolean' },
  reason: { type: 'string' },
} as const;

const USAGE = 'review [RUN_ID] [--diff] [--json] | review show HUNK_ID | review accept HUNK_ID... | review accept --all [RUN_ID] | review reject HUNK_ID... [--reason WHY] | review reject --all [RUN_ID] [--reason WHY] | review rollback RUN_ID  [--cwd DIR]';

export const reviewCommand: CliCommand = {
  name: 'review',
  usage: USAGE,
  summary: "list the hunks pending review (with ids, files, lines and diffs); accept, reject or roll them back, as in the editor",
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    const [verb, ...args] = positionals;
    const root = resolveWorkspace(io.cwd, values.cwd);
    if (verb === 'accept' || verb === 'reject') {
      if (!values.all && args.length === 0) throw new UsageError(`give the hunk ids to ${verb} (codecompanion review lists them), or --all [RUN_ID]`);
      if (verb === 'accept' && values.reason !== undefined) throw new UsageError('--reason goes with reject');
      return decide(io, root, verb, args, values.all === true, values.reason);
    }
    if (verb === 'rollback') {
      if (args.length !== 1) throw new UsageError('give the run id to roll back');
      return withService(io, root, async (service) => {
        const out = await service.rollback(args[0]!);
        if (values.json) io.stdout.write(`${JSON.stringify(out)}\n`);
        else {
          io.stdout.write(`${args[0]}: ${out.reverted} change(s) taken back\n`);
          for (const c of out.conflicts) io.stdout.write(`  conflict: ${plain(c.hunkId)}: ${plain(c.reason)} (left as it is)\n`);
        }
        return out.conflicts.length ? 1 : 0;
      });
    }
    if (verb === 'show') {
      if (args.length !== 1) throw new UsageError('give one hunk id');
      return withService(io, root, async (service) => {
        const { runId, ref } = findHunk(await service.load(runsOfHunks([args[0]!])), args[0]!);
        if (values.json) io.stdout.write(`${JSON.stringify({ runId, ...hunkView(ref, new Set()) })}\n`);
        else io.stdout.write(`${describeHunk(runId, ref, new Set())}\n${diffText(ref)}`);
        return 0;
      });
    }
    if (args.length > 0) throw new UsageError(`unexpected ${args.join(' ')}`);
    return withService(io, root, async (service, review) => {
      if (verb && !(await review.proposeIfNew(service, verb))) throw new Error(`there is no run ${verb} in this workspace ('codecompanion runs' lists them)`);
      const book = await service.load(verb ? [verb] : []);
      const runs = verb ? [book.runs[verb]].filter((r): r is RunReview => r !== undefined) : activeReviews(book);
      if (verb && runs.length === 0) throw new Error(`run ${verb} has nothing in review ('codecompanion runs' lists the runs)`);
      if (values.json) io.stdout.write(`${JSON.stringify(runs.map(runReviewView))}\n`);
      else if (runs.length === 0) io.stdout.write('nothing is pending review\n');
      else for (const run of runs) io.stdout.write(listRun(run, values.diff === true));
      return 0;
    });
  },
};

async function decide(io: CliIo, root: string, verb: 'accept' | 'reject', ids: readonly string[], all: boolean, reason: string | undefined): Promise<number> {
  return withService(io, root, async (service) => {
    // named ids: the service reads the runs they name (one read, not two)
    const targets = all ? allPendingOf(await service.load(ids), ids) : ids;
    const out = verb === 'accept' ? await service.accept(targets) : await service.reject(targets, reason);
    if (verb === 'accept') io.stdout.write(`${out.applied} hunk(s) applied${out.conflicts.length ? `, ${out.conflicts.length} not applied (conflict)` : ''}\n`);
    else io.stdout.write(`${out.rejected} hunk(s) rejected${reason?.trim() ? ` with your reason` : ''}\n`);
    for (const c of out.conflicts) io.stdout.write(`  conflict: ${plain(c.hunkId)}: ${plain(c.reason)}\n`);
    return out.conflicts.length ? 1 : 0;
  }, all);
}

/** Every pending hunk of the run named (or of the only run with pending hunks). */
function allPendingOf(book: ReviewBook, args: readonly string[]): string[] {
  if (args.length > 1) throw new UsageError('--all takes at most one run id');
  const active = activeReviews(book);
  const run = args[0] ? book.runs[args[0]] : active.length === 1 ? active[0] : undefined;
  if (!run) {
    if (args[0]) throw new Error(`run ${args[0]} has nothing in review`);
    throw new UsageError(active.length ? `several runs have hunks pending (${active.map((r) => r.runId).join(', ')}): give one with --all` : 'nothing is pending review');
  }
  const busy = busyHunks(run);
  const ids = allHunks(run).filter(({ hunk }) => hunk.decision === 'pending' && !busy.has(hunk.id)).map(({ hunk }) => hunk.id);
  if (ids.length === 0) throw new Error(`run ${run.runId} has no hunk pending`);
  return ids;
}

async function withService<T>(io: CliIo, root: string, fn: (service: ReviewService, review: WorkspaceReview) => Promise<T>, all = false): Promise<T> {
  const store = new WorkspaceStore(root, 'codecompanion review', 0);
  try {
    const crashAt = io.env.CODECOMPANION_TEST_CRASH_AT;
    const crash = (at: string) => {
      // fault injection for the crash tests: die here as kill -9 would
      if (crashAt === at) process.kill(process.pid, 'SIGKILL');
    };
    const review = new WorkspaceReview(root, store, { sensitivePaths: SensitivePaths.fromList(io.env[SENSITIVE_PATHS_ENV]), afterFile: (p) => crash(`file:${p}`), step: crash });
    const service = review.service({ explicit: !all });
    for (const line of await service.reconcile()) io.stderr.write(`codecompanion review: ${plain(line)}\n`);
    return await fn(service, review);
  } finally {
    await store.close();
  }
}

function listRun(run: RunReview, withDiff: boolean): string {
  const busy = busyHunks(run);
  const lines = [`run ${run.runId}: ${plain(run.objective)} (${pendingCount(run)} pending)`];
  for (const patch of run.patches) {
    lines.push(`  patch ${patch.patchId} (${patch.provider}/${plain(patch.model)}): ${plain(patch.summary)}`);
    for (const p of patch.problems) lines.push(`    problem: ${plain(p)}`);
    for (const file of patch.files) {
      for (const hunk of file.hunks) {
        const ref = { patch, file, hunk };
        lines.push(`    ${describeHunk(run.runId, ref, busy)}`);
        if (withDiff && hunk.decision === 'pending') lines.push(diffText(ref).replace(/^/gm, '      ').trimEnd());
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

function describeHunk(_runId: string, { file, hunk }: HunkRef, busy: ReadonlySet<string>): string {
  const state = busy.has(hunk.id) ? 'being applied' : hunk.decision;
  return `${plain(hunk.id)}  ${state.padEnd(8)}  ${plain(file.path)} ${file.action === 'modify' ? hunkLines(file, hunk) : file.action} (-${hunk.oldLines.length} +${hunk.newLines.length})${hunk.reason ? `: ${plain(hunk.reason)}` : ''}`;
}

function diffText({ file, hunk }: HunkRef): string {
  const header = `--- ${plain(file.from ?? file.path)}\n+++ ${plain(file.path)}\n@@ -${hunk.oldStart + 1},${hunk.oldLines.length} +${hunk.oldStart + 1},${hunk.newLines.length} @@\n`;
  const body = [...hunk.contextBefore.map((l) => ` ${l}`), ...hunk.oldLines.map((l) => `-${l}`), ...hunk.newLines.map((l) => `+${l}`), ...hunk.contextAfter.map((l) => ` ${l}`)];
  return header + body.map((l) => `${plain(l)}\n`).join('');
}

/** Model-written text reaches the terminal without control characters (escape sequences, bells). */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');
}
