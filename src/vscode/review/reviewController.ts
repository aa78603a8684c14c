// The review in the editor: the review projection of the workspace's log (the same review the
// CLI and every other window see), followed live, and decisions made here written as events through
// the same ReviewService as the CLI. Accepted hunks apply as one WorkspaceEdit (undoable); an accept
// records its intent before writing and the outcome after, and a busy database hands the decision to
// the process holding it. Reviews earlier versions kept in workspaceState move into the log once.
import * as vscode from 'vscode';
import type { DecisionMemory } from '../../core/orchestrator/orchestrator';
import type { RunState } from '../../core/orchestrator/runState';
import { encodeFile } from '../../core/patch/fileText';
import { applyReplacements, planHunks } from '../../app/review/hunks';
import type { Checkpoint } from '../../app/review/checkpoint';
import { legacyRunIds, migrateLegacyReview } from '../../app/review/legacyReview';
import { activeReviews, busyHunks, EMPTY_BOOK, mergedReview, type ReviewBook } from '../../core/review/reviewProjection';
import { ReviewService } from '../../app/review/reviewService';
import { selectHunks, type HunkRef, type HunkTarget, type ReviewState } from '../../app/review/reviewState';
import { WorkspaceReviewLog } from '../../app/review/workspaceReviewLog';
import { gateAccept, type RefusedFile } from '../../app/review/sensitiveReview';
import { SensitivePaths, type SensitiveFile } from '../../core/patch/sensitivePaths';
import type { WorkspaceStore } from '../../app/workspaceStore';
import { currentProcess } from '../../storage/processIdentity';
import { EditorReviewFiles } from './editorReviewFiles';
import { currentFile, currentText } from './workspaceFiles';

/** Where earlier versions kept the review; read once, moved into the log, then cleared. */
const LEGACY_REVIEW_KEY = 'codecompanion.review';
const LEGACY_CHECKPOINT_KEY = 'codecompanion.checkpoints';
/** Decisions made elsewhere (the CLI, another window) show here within this, plus one read. */
const FOLLOW_MS = 300;

export interface ReviewOutcome {
  readonly applied: number;
  readonly rejected: number;
  readonly conflicts: number;
  /** Sensitive files left pending: nobody confirmed them by name. */
  readonly held?: readonly SensitiveFile[];
  /** Files no review may write (protected paths), left pending. */
  readonly refused?: readonly RefusedFile[];
}

export interface AcceptOptions {
  /** Asked once per sensitive file; without it (an automatic apply) sensitive files stay pending. */
  readonly confirmSensitive?: (file: SensitiveFile) => Promise<boolean>;
}

export class ReviewController implements vscode.Disposable {
  private readonly _onDidChange = new vscode.EventEmitter<void>();
  readonly onDidChange = this._onDidChange.event;
  private readonly log: WorkspaceReviewLog;
  private readonly service: ReviewService;
  private book: ReviewBook = EMPTY_BOOK;
  private merged: ReviewState | undefined;
  private latestApplied: string | undefined;
  private follow: ReturnType<typeof setInterval> | undefined;
  private started: Promise<void> | undefined;
  private polling = false;
  /** The run the user last brought up for review here (a run's end, Review a Run's Patches). */
  private focus: string | undefined;
  /** Wraps every decision that may write files: the file overlay takes its proposed lines out first. */
  private around: <T>(decide: () => Promise<T>) => Promise<T> = (decide) => decide();

  constructor(
    private readonly root: string,
    private readonly memento: vscode.Memento,
    store: WorkspaceStore,
    private readonly output: vscode.LogOutputChannel,
    private readonly isTrusted: () => boolean,
    memory?: DecisionMemory,
    private readonly sensitivePaths: () => SensitivePaths = () => new SensitivePaths(),
  ) {
    this.log = new WorkspaceReviewLog(root, store);
    this.service = new ReviewService(new EditorReviewFiles(root), this.log, memory);
  }

  /**
   * Reads the review (the review projection's active rows), moves an old workspaceState review into the log,
   * settles a write a crash interrupted, then follows the log. Called once activation has returned.
   */
  start(): Promise<void> {
    this.started ??= (async () => {
      await this.migrate();
      for (const line of await this.service.reconcile()) this.output.warn(`review: ${line}`);
      await this.refresh();
      this.follow = setInterval(() => void this.poll(), FOLLOW_MS);
    })().catch((err: Error) => this.output.error(`review: could not read the review from the workspace database: ${err.message}`));
    return this.started;
  }

  /** The run under review here: the one last brought up, else the newest with something pending. */
  get state(): ReviewState | undefined {
    const newest = (this.focus ? this.book.runs[this.focus] : undefined) ?? activeReviews(this.book)[0] ?? Object.values(this.book.runs).sort((a, b) => b.updatedAt - a.updatedAt)[0];
    if (!newest) return undefined;
    const busy = busyHunks(newest);
    return busy.size ? { ...newest, patches: newest.patches.map((p) => ({ ...p, files: p.files.map((f) => ({ ...f, hunks: f.hunks.filter((h) => !busy.has(h.id)) })) })) } : newest;
  }

  /** Every run's review: the hunks shown inline, whichever run they belong to. */
  get reviews(): ReviewBook {
    return this.book;
  }

  pendingIn(path: string): HunkRef[] {
    return this.merged ? selectHunks(this.merged, { file: path }) : [];
  }

  pendingByPatch(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.state ? selectHunks(this.state, {}) : []) out.set(r.patch.patchId, (out.get(r.patch.patchId) ?? 0) + 1);
    return out;
  }

  /** Whether some run's applied changes can be taken back (read at start and after each decision). */
  canRollback(): boolean {
    return this.latestApplied !== undefined || this.checkpoints().length > 0;
  }

  checkpoints(): Checkpoint[] {
    return Object.values(this.book.runs).filter((r) => r.applied.length > 0).map((r) => ({ runId: r.runId, entries: r.applied }));
  }

  /** Puts a finished run's accepted patches up for review, beside any other run's. */
  async load(run: RunState): Promise<ReviewState> {
    await this.start();
    const proposed = await this.service.propose(run);
    this.focus = run.runId;
    await this.refresh();
    this._onDidChange.fire();
    this.output.info(`review of ${run.runId}: ${proposed.length} patch(es) proposed`);
    return this.book.runs[run.runId] ?? { runId: run.runId, objective: run.objective, patches: [] };
  }

  /** After a revision: the new patch replaces the one sent back; other decisions stay. */
  async loadRevision(run: RunState, sentBack: string): Promise<{ state: ReviewState; patchId: string | null }> {
    await this.start();
    const patchId = await this.service.proposeRevision(run, sentBack);
    this.focus = run.runId;
    await this.refresh();
    this._onDidChange.fire();
    this.output.info(`review of ${run.runId}: ${sentBack} revised${patchId ? ` as ${patchId}` : ', no new patch'}`);
    return { state: this.book.runs[run.runId] ?? { runId: run.runId, objective: run.objective, patches: [] }, patchId };
  }

  async accept(target: HunkTarget, options: AcceptOptions = {}): Promise<ReviewOutcome> {
    if (!this.isTrusted()) throw new Error('this workspace is not trusted: CodeCompanion only proposes changes here. Trust the workspace to apply them');
    const ids = new Set(await this.targets(target));
    if (ids.size === 0) return { applied: 0, rejected: 0, conflicts: 0 };
    const gate = await gateAccept(this.root, selectHunks(this.merged!, {}).filter((r) => ids.has(r.hunk.id)), this.sensitivePaths(), options.confirmSensitive);
    const blocked = { held: gate.held, refused: gate.refused };
    for (const h of gate.held) this.output.warn(`${h.path} left pending: sensitive path rule '${h.rule}' (accept that file explicitly)`);
    for (const r of gate.refused) this.output.warn(`${r.path} refused: ${r.reason}`);
    if (gate.refs.length === 0) return { applied: 0, rejected: 0, conflicts: 0, ...blocked };
    const out = await this.decided(() => this.service.accept(gate.refs.map((r) => r.hunk.id)));
    if (out.conflicts.length) this.output.warn(`${out.conflicts.length} hunk(s) no longer match the files and were not applied: ${out.conflicts[0]!.reason}`);
    return { applied: out.applied, rejected: 0, conflicts: out.conflicts.length, ...blocked };
  }

  async reject(target: HunkTarget, reason?: string): Promise<ReviewOutcome> {
    const ids = await this.targets(target);
    if (ids.length === 0) return { applied: 0, rejected: 0, conflicts: 0 };
    const out = await this.decided(() => this.service.reject(ids, reason));
    return { applied: 0, rejected: out.rejected, conflicts: 0 };
  }

  /** Takes back what the run's accepted hunks changed; lines edited since are left and reported. */
  async rollback(runId: string | undefined): Promise<{ reverted: number; conflicts: readonly { path: string; reason: string }[] }> {
    await this.start();
    const id = runId ?? (await this.log.lastApplied());
    if (!id) throw new Error('no run has changed this workspace yet');
    const out = await this.decided(() => this.service.rollback(id));
    this.output.info(`rolled back ${id}: ${out.reverted} change(s) reverted, ${out.conflicts.length} left (edited since)`);
    return out;
  }

  /** Decisions run inside `around` (one wrapper: the file overlay's). */
  aroundDecisions(around: <T>(decide: () => Promise<T>) => Promise<T>): void {
    this.around = around;
  }

  dispose(): void {
    clearInterval(this.follow);
    this._onDidChange.dispose();
  }

  private async targets(target: HunkTarget): Promise<string[]> {
    await this.start();
    await this.refresh();
    if (!this.merged) throw new Error('there is nothing to review: run an objective first (CodeCompanion: Run Objective)');
    const refs = selectHunks(this.merged, target);
    // a patch id (task-1.r1) recurs in every run: without a hunk id, the newest run's is meant
    const newest = this.state?.runId;
    const runs = new Set(refs.map((r) => r.patch.runId));
    return (runs.size > 1 && typeof target.hunk !== 'string' ? refs.filter((r) => r.patch.runId === newest) : refs).map((r) => r.hunk.id);
  }

  private async decided<T>(decide: () => Promise<T>): Promise<T> {
    try {
      return await this.around(decide);
    } finally {
      await this.refresh().catch(() => undefined);
    }
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      if (await this.log.refresh()) {
        this.latestApplied = await this.log.lastApplied();
        this.update();
      }
    } catch {
      // the next poll tries again (a writer's checkpoint raced this read)
    } finally {
      this.polling = false;
    }
  }

  private async refresh(): Promise<void> {
    await this.log.refresh();
    this.latestApplied = await this.log.lastApplied();
    this.update();
  }

  private update(): void {
    if (this.log.current === this.book) return;
    this.book = this.log.current;
    this.merged = mergedReview(this.book);
    this._onDidChange.fire();
  }

  private async migrate(): Promise<void> {
    const state = this.memento.get<unknown>(LEGACY_REVIEW_KEY);
    const checkpoints = this.memento.get<unknown>(LEGACY_CHECKPOINT_KEY);
    if (state === undefined && checkpoints === undefined) return;
    const { events, problems } = migrateLegacyReview(state, checkpoints, await this.log.load(legacyRunIds(state, checkpoints)), currentProcess());
    for (const [runId, list] of events) await this.log.append(runId, list);
    for (const p of problems) this.output.warn(`review: ${p}`);
    await this.memento.update(LEGACY_REVIEW_KEY, undefined);
    await this.memento.update(LEGACY_CHECKPOINT_KEY, undefined);
    this.output.info(`review: moved the review kept by an earlier version into the workspace's log (${[...events.keys()].join(', ') || 'nothing new'})`);
  }
}

export function proposedText(state: ReviewState | undefined, root: string, path: string): string {
  const file = state?.patches.flatMap((p) => p.files).find((f) => f.path === path);
  if (!file) return currentText(root, path) ?? '';
  if (file.action === 'create' || file.action === 'rename') return file.content ?? '';
  if (file.action === 'delete') return '';
  const now = currentFile(root, path);
  if (!now) return '';
  const pending = selectHunks(state!, { file: path }).map((r) => r.hunk);
  return encodeFile({ ...now, lines: applyReplacements(now.lines, planHunks(now.lines, pending).replacements) });
}
