// The review of a run's patches in the editor: decisions per hunk, accepted hunks applied as one
// WorkspaceEdit (undoable), each apply recorded in a checkpoint so Rollback Run can take back
// exactly what the run changed. Decisions go to the run's event log (a rejection with the user's
// reason, for the authoring agent) and to the decision memory when there is one.
import * as vscode from 'vscode';
import type { DecisionMemory } from '../../core/orchestrator/orchestrator';
import { RunLog } from '../../core/orchestrator/runLog';
import { event } from '../../core/events';
import type { RunState } from '../../core/orchestrator/runState';
import { encodeFile } from '../../core/patch/fileText';
import { applyReplacements, planHunks } from '../../app/review/hunks';
import { hunkEntries, planRollback, type Checkpoint, type CheckpointEntry } from '../../app/review/checkpoint';
import { buildReview, decide, patchOutcome, selectHunks, type HunkRef, type HunkTarget, type ReviewState } from '../../app/review/reviewState';
import { reviewAfterRevision } from '../../app/review/sendBack';
import { gateAccept, type RefusedFile } from '../../app/review/sensitiveReview';
import { SensitivePaths, type SensitiveFile } from '../../core/patch/sensitivePaths';
import type { WorkspaceStore } from '../../app/workspaceStore';
import { addLineEdits, applyAndSave, currentFile, currentText, fileUri } from './workspaceFiles';

const REVIEW_KEY = 'codecompanion.review';
const CHECKPOINT_KEY = 'codecompanion.checkpoints';

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
  private current: ReviewState | undefined;

  constructor(
    private readonly root: string,
    private readonly memento: vscode.Memento,
    private readonly store: WorkspaceStore,
    private readonly log: vscode.LogOutputChannel,
    private readonly isTrusted: () => boolean,
    private readonly memory?: DecisionMemory,
    private readonly sensitivePaths: () => SensitivePaths = () => new SensitivePaths(),
  ) {
    this.current = memento.get<ReviewState>(REVIEW_KEY);
  }

  get state(): ReviewState | undefined {
    return this.current;
  }

  pendingIn(path: string): HunkRef[] {
    return this.current ? selectHunks(this.current, { file: path }) : [];
  }

  pendingByPatch(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.current ? selectHunks(this.current, {}) : []) out.set(r.patch.patchId, (out.get(r.patch.patchId) ?? 0) + 1);
    return out;
  }

  checkpoints(): Checkpoint[] {
    return this.memento.get<Checkpoint[]>(CHECKPOINT_KEY) ?? [];
  }

  /** Starts the review of a finished run's accepted patches (replacing an earlier one). */
  async load(run: RunState): Promise<ReviewState> {
    const state = buildReview(run, (p) => currentFile(this.root, p));
    await this.save(state);
    this.log.info(`review of ${run.runId}: ${state.patches.length} patch(es), ${selectHunks(state, {}).length} hunk(s)`);
    return state;
  }

  /** After a revision: the new patch replaces the one sent back; other decisions stay. */
  async loadRevision(run: RunState, sentBack: string): Promise<{ state: ReviewState; patchId: string | null }> {
    const before = this.current?.runId === run.runId ? this.current : { runId: run.runId, objective: run.objective, patches: [] };
    const out = reviewAfterRevision(before, run, sentBack, (p) => currentFile(this.root, p));
    await this.save(out.state);
    this.log.info(`review of ${run.runId}: ${sentBack} revised${out.patchId ? ` as ${out.patchId}, ${selectHunks(out.state, { patchId: out.patchId }).length} hunk(s) pending` : ', no new patch'}`);
    return out;
  }

  async accept(target: HunkTarget, options: AcceptOptions = {}): Promise<ReviewOutcome> {
    if (!this.isTrusted()) throw new Error('this workspace is not trusted: CodeCompanion only proposes changes here. Trust the workspace to apply them');
    const state = this.require();
    const gate = await gateAccept(this.root, selectHunks(state, target), this.sensitivePaths(), options.confirmSensitive);
    const blocked = { held: gate.held, refused: gate.refused };
    for (const h of gate.held) this.log.warn(`${h.path} left pending: sensitive path rule '${h.rule}' (accept that file explicitly)`);
    for (const r of gate.refused) this.log.warn(`${r.path} refused: ${r.reason}`);
    const refs = gate.refs;
    if (refs.length === 0) return { applied: 0, rejected: 0, conflicts: 0, ...blocked };
    const edit = new vscode.WorkspaceEdit();
    const entries: CheckpointEntry[] = [];
    const accepted = new Set<string>();
    const conflicts = new Set<string>();
    for (const [path, group] of groupByFile(refs)) {
      const file = group[0]!.file;
      const uri = fileUri(this.root, path);
      const ids = group.map((r) => r.hunk.id);
      if (file.action === 'modify') {
        const now = currentFile(this.root, path);
        if (!now) {
          ids.forEach((id) => conflicts.add(id));
          continue;
        }
        const plan = planHunks(now.lines, group.map((r) => r.hunk));
        const after = applyReplacements(now.lines, plan.replacements);
        addLineEdits(edit, uri, now, after);
        entries.push(...hunkEntries(path, after, plan.placed));
        plan.placed.forEach((p) => accepted.add(p.hunk.id));
        plan.conflicts.forEach((h) => conflicts.add(h.id));
      } else if (file.action === 'create') {
        if (currentText(this.root, path) !== undefined) conflicts.add(ids[0]!);
        else {
          edit.createFile(uri, { contents: new TextEncoder().encode(file.content ?? '') });
          entries.push({ kind: 'create', hunkId: ids[0]!, path, content: file.content ?? '' });
          accepted.add(ids[0]!);
        }
      } else if (file.action === 'delete') {
        const before = currentText(this.root, path);
        if (before === undefined) conflicts.add(ids[0]!);
        else {
          edit.deleteFile(uri);
          entries.push({ kind: 'delete', hunkId: ids[0]!, path, content: before });
          accepted.add(ids[0]!);
        }
      } else if (file.action === 'rename' && file.from) {
        const before = currentText(this.root, file.from);
        if (before === undefined || currentText(this.root, path) !== undefined) conflicts.add(ids[0]!);
        else {
          edit.renameFile(fileUri(this.root, file.from), uri);
          const content = file.content ?? before;
          if (content !== before) edit.replace(uri, fullRange(before), content);
          entries.push({ kind: 'rename', hunkId: ids[0]!, from: file.from, path, before, content });
          accepted.add(ids[0]!);
        }
      }
    }
    await applyAndSave(edit, 'accepting CodeCompanion hunks');
    let next = decide(state, accepted, 'accepted');
    next = decide(next, conflicts, 'conflict');
    await this.addCheckpoint(state.runId, entries);
    await this.save(next);
    await this.record(state, next, refs);
    if (conflicts.size) this.log.warn(`${conflicts.size} hunk(s) no longer match the files and were not applied`);
    return { applied: accepted.size, rejected: 0, conflicts: conflicts.size, ...blocked };
  }

  async reject(target: HunkTarget, reason?: string): Promise<ReviewOutcome> {
    const state = this.require();
    const refs = selectHunks(state, target);
    const next = decide(state, new Set(refs.map((r) => r.hunk.id)), 'rejected', reason?.trim() || undefined);
    await this.save(next);
    await this.record(state, next, refs);
    return { applied: 0, rejected: refs.length, conflicts: 0 };
  }

  /** Takes back what the run's accepted hunks changed; lines edited since are left and reported. */
  async rollback(runId: string | undefined): Promise<{ reverted: number; conflicts: readonly { path: string; reason: string }[] }> {
    const all = this.checkpoints();
    const cp = runId ? all.find((c) => c.runId === runId) : all[all.length - 1];
    if (!cp) throw new Error(runId ? `nothing of ${runId} was applied in this workspace` : 'no run has changed this workspace yet');
    const plan = planRollback(
      cp,
      (p) => currentFile(this.root, p)?.lines,
      (p) => currentText(this.root, p),
    );
    const edit = new vscode.WorkspaceEdit();
    for (const op of plan.operations) {
      if (op.kind === 'write') {
        const now = currentFile(this.root, op.path)!;
        addLineEdits(edit, fileUri(this.root, op.path), now, op.after);
      } else if (op.kind === 'delete') edit.deleteFile(fileUri(this.root, op.path));
      else if (op.kind === 'create') edit.createFile(fileUri(this.root, op.path), { contents: new TextEncoder().encode(op.content) });
      else {
        edit.renameFile(fileUri(this.root, op.from), fileUri(this.root, op.to));
        const now = currentText(this.root, op.from) ?? '';
        if (now !== op.content) edit.replace(fileUri(this.root, op.to), fullRange(now), op.content);
      }
    }
    await applyAndSave(edit, `rolling back ${cp.runId}`);
    await this.memento.update(CHECKPOINT_KEY, all.filter((c) => c !== cp));
    if (this.current?.runId === cp.runId) {
      const reverted = new Set(plan.reverted);
      // reverted hunks are pending again: the user may take them a second time
      await this.save({ ...this.current, patches: this.current.patches.map((p) => ({ ...p, files: p.files.map((f) => ({ ...f, hunks: f.hunks.map((h) => (reverted.has(h.id) ? { ...h, decision: 'pending' as const } : h)) })) })) });
    }
    this.log.info(`rolled back ${cp.runId}: ${plan.reverted.length} change(s) reverted, ${plan.conflicts.length} left (edited since)`);
    return { reverted: plan.reverted.length, conflicts: plan.conflicts };
  }

  dispose(): void {
    this._onDidChange.dispose();
  }

  private require(): ReviewState {
    if (!this.current) throw new Error('there is nothing to review: run an objective first (CodeCompanion: Run Objective)');
    return this.current;
  }

  private async save(state: ReviewState): Promise<void> {
    this.current = state;
    await this.memento.update(REVIEW_KEY, state);
    this._onDidChange.fire();
  }

  private async addCheckpoint(runId: string, entries: readonly CheckpointEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const all = this.checkpoints();
    const existing = all.find((c) => c.runId === runId);
    const updated = existing ? all.map((c) => (c === existing ? { runId, entries: [...c.entries, ...entries] } : c)) : [...all, { runId, entries }];
    await this.memento.update(CHECKPOINT_KEY, updated);
  }

  /** The run's log learns each patch the user finished with: applied, and rejected with reasons. */
  private async record(before: ReviewState, after: ReviewState, refs: readonly HunkRef[]): Promise<void> {
    const touched = new Set(refs.map((r) => r.patch.patchId));
    let writing = false;
    try {
      const opened = await this.store.write();
      writing = true;
      const log = await RunLog.open(after.runId, opened.store);
      for (const patch of after.patches.filter((p) => touched.has(p.patchId))) {
        const was = before.patches.find((p) => p.patchId === patch.patchId)!;
        const hunks = (s: typeof patch) => s.files.flatMap((f) => f.hunks.map((h) => ({ f, h })));
        const newlyAccepted = hunks(patch).filter(({ h }, i) => h.decision === 'accepted' && hunks(was)[i]?.h.decision !== 'accepted');
        const newlyRejected = hunks(patch).filter(({ h }, i) => h.decision === 'rejected' && hunks(was)[i]?.h.decision !== 'rejected');
        if (newlyAccepted.length) await log.append(event('patch.applied', { patchId: patch.patchId, files: [...new Set(newlyAccepted.map(({ f }) => f.path))], ok: true }));
        const reasons = newlyRejected.map(({ f, h }) => `the user rejected ${f.path} hunk ${h.index + 1} (lines ${h.oldStart + 1}-${h.oldStart + Math.max(1, h.oldLines.length)})${h.reason ? `: ${h.reason}` : ''}`);
        if (reasons.length) await log.append(event('patch.rejected', { patchId: patch.patchId, taskId: patch.taskId, reasons, final: false }));
        const outcome = patchOutcome(patch);
        if (outcome !== 'pending' && this.memory) {
          const all = hunks(patch).filter(({ h }) => h.decision === 'rejected').map(({ h }) => h.reason ?? 'rejected by the user');
          await this.memory.rememberPatchDecision({ runId: after.runId, objective: after.objective, patchId: patch.patchId, taskTitle: patch.taskTitle, summary: patch.summary, files: patch.files.map((f) => f.path), decision: outcome === 'rejected' ? 'reject' : 'accept', reasons: all });
        }
      }
      await log.flush();
    } catch (err) {
      // the files are already as the user decided; the log is the record, and a busy database must not undo that
      this.log.warn(`could not record the review in the run's log: ${(err as Error).message}`);
    } finally {
      if (writing) this.store.release();
    }
  }
}

function groupByFile(refs: readonly HunkRef[]): Map<string, HunkRef[]> {
  const out = new Map<string, HunkRef[]>();
  for (const r of refs) out.set(r.file.path, [...(out.get(r.file.path) ?? []), r]);
  return out;
}

function fullRange(text: string): vscode.Range {
  const lines = text.split('\n');
  return new vscode.Range(0, 0, lines.length - 1, lines[lines.length - 1]!.length);
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
