// The review's decisions, the same for every host: propose a run's patches, accept, reject and roll
// back hunks by id, and reconcile a write a crash interrupted. Decisions become review.* events in the
// run's stream; an accept or a rollback records its intent (with the checkpoint) before it writes the
// files and the outcome after, so the files and the log always agree once reconcile() has run.
import { randomUUID } from 'node:crypto';
import { event, type ProcessRef, type RunEvent } from '../../core/events';
import type { DecisionMemory } from '../../core/orchestrator/orchestrator';
import type { RunState } from '../../core/orchestrator/runState';
import { currentProcess, liveness } from '../../storage/processIdentity';
import { planAccept, type FileReader } from './acceptPlan';
import { planRollback, type FileOperation } from './checkpoint';
import { reconcileAccept, reconcileRollback } from './reconcile';
import { busyHunks, type ReviewBook, type RunReview } from '../../core/review/reviewProjection';
import { allHunks, buildReview, patchOutcome, type HunkRef, type ReviewPatch } from './reviewState';
import { revisedPatchId } from './sendBack';

/** The runs a set of hunk ids names (an id starts with its run's id: `RUN/PATCH/PATH#DIGEST`). */
export function runsOfHunks(hunkIds: readonly string[]): string[] {
  return [...new Set(hunkIds.filter((id) => id.includes('/')).map((id) => id.slice(0, id.indexOf('/'))))];
}

export interface ReviewFiles extends FileReader {
  /** Writes the operations (each file atomically); throws when it could not, having written maybe some. */
  write(operations: readonly FileOperation[], label: string): Promise<void>;
}

export interface ReviewLog {
  /** The runs with something pending or under way, and the runs named, as the log has them now. */
  load(runIds?: readonly string[]): Promise<ReviewBook>;
  /** Durable once resolved; the events land together, in order. */
  append(runId: string, events: readonly RunEvent[]): Promise<void>;
}

export interface DecisionOutcome {
  readonly applied: number;
  readonly rejected: number;
  readonly conflicts: readonly { readonly hunkId: string; readonly reason: string }[];
}

export interface RollbackOutcome {
  readonly reverted: number;
  readonly conflicts: readonly { readonly hunkId: string; readonly path: string; readonly reason: string }[];
}

/** A decision the review cannot take as asked: a one-line message, and a code hosts map (the API to a 4xx). */
export class ReviewError extends Error {
  constructor(readonly code: 'not_found' | 'not_pending' | 'ambiguous' | 'nothing_applied', message: string) {
    super(message);
    this.name = 'ReviewError';
  }
}

/** An owner on another host that has not finished a two-step write after this long has stopped. */
const FOREIGN_WRITE_GRACE_MS = 60_000;

export class ReviewService {
  /** Two-step writes this process has under way: not another's to reconcile. */
  private static readonly active = new Set<string>();

  constructor(
    private readonly files: ReviewFiles,
    private readonly log: ReviewLog,
    private readonly memory?: DecisionMemory,
    /** Called between the steps of a write (tests use it to crash there). */
    private readonly step: (name: 'intent' | 'written' | 'recorded') => void = () => undefined,
  ) {}

  load(runIds: readonly string[] = []): Promise<ReviewBook> {
    return this.log.load(runIds);
  }

  /** Puts the run's accepted, unapplied patches that are not in review yet up for review. */
  async propose(run: RunState, include: (patchId: string) => boolean = () => true): Promise<string[]> {
    const book = await this.log.load([run.runId]);
    const known = book.runs[run.runId];
    const fresh = (id: string) => include(id) && !known?.patches.some((p) => p.patchId === id) && !known?.retired.includes(id);
    const state = buildReview(run, (p) => this.files.read(p), fresh);
    const events = state.patches.map((p) => proposal(run.objective, p));
    if (events.length) await this.log.append(run.runId, events);
    return state.patches.map((p) => p.patchId);
  }

  /** After a revision: its new patch replaces the one sent back (whose pending hunks go). */
  async proposeRevision(run: RunState, sentBack: string): Promise<string | null> {
    const book = await this.log.load([run.runId]);
    const reviewed = new Set([...(book.runs[run.runId]?.patches ?? []).map((p) => p.patchId), ...(book.runs[run.runId]?.retired ?? [])]);
    const patchId = revisedPatchId(run, sentBack, reviewed);
    if (!patchId) return null;
    const added = buildReview(run, (p) => this.files.read(p), (id) => id === patchId).patches;
    await this.log.append(run.runId, [event('review.superseded', { patchId: sentBack, by: patchId }), ...added.map((p) => proposal(run.objective, p))]);
    return patchId;
  }

  async accept(hunkIds: readonly string[]): Promise<DecisionOutcome> {
    const book = await this.log.load(runsOfHunks(hunkIds));
    let applied = 0;
    const conflicts: { hunkId: string; reason: string }[] = [];
    for (const [runId, refs] of pendingByRun(book, hunkIds)) {
      const plan = planAccept(refs, this.files);
      const decisionId = randomUUID();
      conflicts.push(...plan.conflicts);
      const intent: RunEvent[] = [];
      if (plan.conflicts.length) intent.push(event('review.conflicted', { decisionId, hunks: plan.conflicts }));
      if (plan.accepted.length) intent.push(event('review.accepting', { decisionId, hunkIds: plan.accepted, entries: plan.entries, by: currentProcess() }));
      if (intent.length === 0) continue;
      ReviewService.active.add(decisionId);
      try {
        await this.log.append(runId, intent);
        if (plan.accepted.length === 0) continue;
        this.step('intent');
        try {
          await this.files.write(plan.operations, 'accepting CodeCompanion hunks');
        } catch (err) {
          // some files may be written: record what the disk says, then tell
          await this.reconcileRun(book.runs[runId]!, { kind: 'accept', decisionId, hunkIds: plan.accepted, entries: plan.entries, by: currentProcess() });
          throw err;
        }
        this.step('written');
        await this.log.append(runId, [event('review.applied', { decisionId, hunkIds: plan.accepted }), ...compatApplied(refs, new Set(plan.accepted))]);
        this.step('recorded');
        applied += plan.accepted.length;
      } finally {
        ReviewService.active.delete(decisionId);
      }
      await this.remember(runId, new Set(plan.accepted), new Set());
    }
    return { applied, rejected: 0, conflicts };
  }

  async reject(hunkIds: readonly string[], reason?: string): Promise<DecisionOutcome> {
    const book = await this.log.load(runsOfHunks(hunkIds));
    let rejected = 0;
    const why = reason?.trim() || undefined;
    for (const [runId, refs] of pendingByRun(book, hunkIds)) {
      const ids = refs.map((r) => r.hunk.id);
      const reasons = [...groupByPatch(refs)].map(([patchId, rs]) => ({ patchId, taskId: rs[0]!.patch.taskId, reasons: rs.map((r) => rejectionText(r, why)) }));
      await this.log.append(runId, [
        event('review.rejected', { decisionId: randomUUID(), hunkIds: ids, ...(why ? { reason: why } : {}) }),
        ...reasons.map((r) => event('patch.rejected', { ...r, final: false })),
      ]);
      rejected += ids.length;
      await this.remember(runId, new Set(), new Set(ids));
    }
    return { applied: 0, rejected, conflicts: [] };
  }

  /** Takes back what the run's accepted hunks changed; lines edited since are left and named. */
  async rollback(runId: string): Promise<RollbackOutcome> {
    const book = await this.log.load([runId]);
    const run = book.runs[runId];
    if (!run || run.applied.length === 0) throw new ReviewError('nothing_applied', `nothing of ${runId} is applied in this workspace ('codecompanion review' lists what is)`);
    const plan = planRollback({ runId, entries: run.applied }, (p) => this.files.read(p)?.lines, (p) => this.files.text(p));
    const decisionId = randomUUID();
    ReviewService.active.add(decisionId);
    try {
      if (plan.reverted.length) {
        await this.log.append(runId, [event('review.rollingBack', { decisionId, hunkIds: [...plan.reverted], by: currentProcess() })]);
        this.step('intent');
        try {
          await this.files.write(plan.operations, `rolling back ${runId}`);
        } catch (err) {
          await this.reconcileRun(run, { kind: 'rollback', decisionId, hunkIds: plan.reverted, by: currentProcess() });
          throw err;
        }
        this.step('written');
      }
      await this.log.append(runId, [event('review.rolledBack', { decisionId, reverted: [...plan.reverted], conflicts: [...plan.conflicts] })]);
      this.step('recorded');
    } finally {
      ReviewService.active.delete(decisionId);
    }
    return { reverted: plan.reverted.length, conflicts: plan.conflicts };
  }

  /**
   * Finishes or records every two-step write a stopped process left (a crash between writing the
   * files and recording it). Returns one line per write it settled.
   */
  async reconcile(): Promise<string[]> {
    const book = await this.log.load();
    const out: string[] = [];
    for (const run of Object.values(book.runs)) {
      for (const flight of run.inFlight) {
        if (ReviewService.active.has(flight.decisionId) || !stopped(flight.by)) continue;
        out.push(await this.reconcileRun(run, flight));
      }
    }
    return out;
  }

  private async reconcileRun(run: RunReview, flight: RunReview['inFlight'][number]): Promise<string> {
    const { decisionId } = flight;
    if (flight.kind === 'accept') {
      const r = reconcileAccept(flight.entries, this.files);
      if (r.outcome === 'none') {
        const events: RunEvent[] = [event('review.abandoned', { decisionId, reason: 'the accept stopped before any file was written; the hunks are pending again' })];
        if (r.conflicts.length) events.push(event('review.conflicted', { decisionId, hunks: r.conflicts.map(({ hunkId, reason }) => ({ hunkId, reason })) }));
        await this.log.append(run.runId, events);
        return `${run.runId}: an interrupted accept never reached the files; ${flight.hunkIds.length} hunk(s) pending again`;
      }
      if (r.operations.length) await this.files.write(r.operations, 'finishing an interrupted accept');
      const events: RunEvent[] = [];
      if (r.conflicts.length) events.push(event('review.conflicted', { decisionId, hunks: r.conflicts.map(({ hunkId, reason }) => ({ hunkId, reason })) }));
      const refs = allHunks(run).filter(({ hunk }) => r.done.includes(hunk.id));
      events.push(event('review.applied', { decisionId, hunkIds: r.done, reconciled: true }), ...compatApplied(refs, new Set(r.done)));
      await this.log.append(run.runId, events);
      return `${run.runId}: an interrupted accept was ${r.operations.length ? 'finished' : 'recorded'} (${r.done.length} hunk(s) applied${r.conflicts.length ? `, ${r.conflicts.length} conflict(s): ${r.conflicts[0]!.reason}` : ''})`;
    }
    const entries = run.applied.filter((e) => flight.hunkIds.includes(e.hunkId));
    const r = reconcileRollback(run.runId, entries, this.files);
    if (r.outcome === 'none') {
      await this.log.append(run.runId, [event('review.abandoned', { decisionId, reason: 'the rollback stopped before any file was written; the hunks stay applied' })]);
      return `${run.runId}: an interrupted rollback never reached the files; nothing changed`;
    }
    if (r.operations.length) await this.files.write(r.operations, 'finishing an interrupted rollback');
    await this.log.append(run.runId, [event('review.rolledBack', { decisionId, reverted: r.done, conflicts: r.conflicts, reconciled: true })]);
    return `${run.runId}: an interrupted rollback was ${r.operations.length ? 'finished' : 'recorded'} (${r.done.length} hunk(s) reverted)`;
  }

  private async remember(runId: string, accepted: ReadonlySet<string>, rejected: ReadonlySet<string>): Promise<void> {
    if (!this.memory) return;
    const run = (await this.log.load([runId])).runs[runId];
    if (!run) return;
    const touched = new Set(allHunks(run).filter(({ hunk }) => accepted.has(hunk.id) || rejected.has(hunk.id)).map(({ patch }) => patch.patchId));
    for (const patch of run.patches.filter((p) => touched.has(p.patchId))) {
      const outcome = patchOutcome(patch);
      if (outcome === 'pending') continue;
      const reasons = patch.files.flatMap((f) => f.hunks.filter((h) => h.decision === 'rejected').map((h) => h.reason ?? 'rejected by the user'));
      await this.memory.rememberPatchDecision({ runId, objective: run.objective, patchId: patch.patchId, taskTitle: patch.taskTitle, summary: patch.summary, files: patch.files.map((f) => f.path), decision: outcome === 'rejected' ? 'reject' : 'accept', reasons });
    }
  }
}

/** The pending hunks the ids name, per run; an id that names nothing pending is an error that says so. */
export function pendingByRun(book: ReviewBook, hunkIds: readonly string[]): Map<string, HunkRef[]> {
  const out = new Map<string, HunkRef[]>();
  for (const id of new Set(hunkIds)) {
    const found = findHunk(book, id);
    const run = book.runs[found.runId]!;
    if (found.ref.hunk.decision !== 'pending' || busyHunks(run).has(found.ref.hunk.id)) {
      const state = busyHunks(run).has(found.ref.hunk.id) ? 'being applied' : found.ref.hunk.decision;
      throw new ReviewError('not_pending', `hunk ${found.ref.hunk.id} is not pending (${state}); 'codecompanion review ${found.runId}' shows what is`);
    }
    out.set(found.runId, [...(out.get(found.runId) ?? []), found.ref]);
  }
  return out;
}

/** A hunk by its id, or by a part of it that names one hunk (the digest after '#' is enough). */
export function findHunk(book: ReviewBook, id: string): { runId: string; ref: HunkRef } {
  const all = Object.values(book.runs).flatMap((run) => allHunks(run).map((ref) => ({ runId: run.runId, ref })));
  const exact = all.filter((x) => x.ref.hunk.id === id);
  const matches = exact.length ? exact : all.filter((x) => x.ref.hunk.id.endsWith(id.startsWith('#') ? id : `#${id}`) || x.ref.hunk.id.startsWith(id));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new ReviewError('not_found', `no hunk ${JSON.stringify(id)} in review; 'codecompanion review' lists the pending ones with their ids`);
  throw new ReviewError('ambiguous', `${JSON.stringify(id)} names ${matches.length} hunks (${matches.slice(0, 3).map((m) => m.ref.hunk.id).join(', ')}…); give more of the id`);
}

function stopped(by: ProcessRef): boolean {
  const state = liveness(by);
  return state === 'dead' || (state === 'unknown' && Date.now() - by.at > FOREIGN_WRITE_GRACE_MS);
}

function proposal(objective: string, p: ReviewPatch): RunEvent {
  return event('review.proposed', {
    patchId: p.patchId,
    taskId: p.taskId,
    taskTitle: p.taskTitle,
    summary: p.summary,
    provider: p.provider as never,
    model: p.model,
    objective,
    problems: [...p.problems],
    files: p.files.map(({ hunks, ...f }) => ({ ...f, hunks: hunks.map(({ decision: _d, reason: _r, ...h }) => h) })),
  });
}

function groupByPatch(refs: readonly HunkRef[]): Map<string, HunkRef[]> {
  const out = new Map<string, HunkRef[]>();
  for (const r of refs) out.set(r.patch.patchId, [...(out.get(r.patch.patchId) ?? []), r]);
  return out;
}

/** The run's own record (patch.applied), as the run's fold and the dashboard read it. */
function compatApplied(refs: readonly HunkRef[], accepted: ReadonlySet<string>): RunEvent[] {
  return [...groupByPatch(refs.filter((r) => accepted.has(r.hunk.id)))].map(([patchId, rs]) => event('patch.applied', { patchId, files: [...new Set(rs.map((r) => r.file.path))], ok: true }));
}

function rejectionText(r: HunkRef, reason: string | undefined): string {
  const { file, hunk } = r;
  return `the user rejected ${file.path} hunk ${hunk.index + 1} (lines ${hunk.oldStart + 1}-${hunk.oldStart + Math.max(1, hunk.oldLines.length)})${reason ? `: ${reason}` : ''}`;
}
