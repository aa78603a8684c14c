// Accept / reject (all, a file, a hunk), open a change in the diff editor, roll a run back, and
// the hidden command tests read the review through.
import * as vscode from 'vscode';
import { z } from 'zod';
import { reviewSummary, selectHunks, type HunkTarget, type ReviewPatch } from '../../app/review/reviewState';
import type { Companion } from '../companion';
import { openProposedDiff } from '../review/proposedContent';
import { reviewPath } from './hunkNavigation';
import type { SensitiveFile } from '../../core/patch/sensitivePaths';

const TargetArgs = z.object({
  patchId: z.string().optional(),
  file: z.string().optional(),
  hunk: z.union([z.number().int().nonnegative(), z.string()]).optional(),
  reason: z.string().optional(),
  askReason: z.boolean().optional(),
  /** Sensitive files the caller accepts by name (no dialog); without it, the user is asked per file. */
  acceptSensitive: z.array(z.string()).optional(),
});

type Target = z.infer<typeof TargetArgs>;

/** `{ patchId, file, hunk, reason }` or positional (patchId, file, hunk, reason). */
export function parseTarget(args: readonly unknown[]): Target {
  const [first] = args;
  const raw = typeof first === 'object' && first !== null ? first : first === undefined ? {} : { patchId: args[0], file: args[1], hunk: args[2], reason: args[3] };
  const parsed = TargetArgs.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  if (!parsed.success) throw new Error(`review commands take { patchId?, file?, hunk?: index or id, reason? }: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function hunkTarget(t: Target): HunkTarget {
  return { ...(t.patchId !== undefined ? { patchId: t.patchId } : {}), ...(t.file !== undefined ? { file: t.file } : {}), ...(t.hunk !== undefined ? { hunk: t.hunk } : {}) };
}

/** The diff editor's title bar passes the document's URI: that file is the target (a person clicked). */
function fromEditorTitle(c: Companion, args: readonly unknown[], extra: Record<string, unknown>): readonly unknown[] {
  const [first] = args;
  if (!(first instanceof vscode.Uri)) return args;
  const file = reviewPath(c, first);
  if (!file) throw new Error('this editor shows no file of the workspace');
  return [{ file, ...extra }];
}

export async function acceptCommand(c: Companion, scope: 'all' | 'file' | 'hunk', args: readonly unknown[]) {
  // Accept All takes only `acceptSensitive` from its arguments (a menu may pass a URI: ignored)
  const parsed = scope === 'all' ? TargetArgs.pick({ acceptSensitive: true }).safeParse(args[0] ?? {}).data ?? {} : parseTarget(fromEditorTitle(c, args, {}));
  const t = scope === 'all' ? {} : parsed;
  const named = parsed.acceptSensitive;
  const confirmSensitive = named ? async (f: SensitiveFile) => named.includes(f.path) : confirmSensitiveFile;
  const outcome = await c.review.accept(hunkTarget(t), { confirmSensitive });
  if (outcome.conflicts) void vscode.window.showWarningMessage(`CodeCompanion: ${outcome.conflicts} hunk(s) no longer match the file (edited since) and were not applied.`);
  if (outcome.held?.length) void vscode.window.showWarningMessage(`CodeCompanion: left pending, not confirmed: ${outcome.held.map((h) => `${h.path} (sensitive path rule '${h.rule}')`).join(', ')}. Accept each such file on its own to be asked again.`);
  if (outcome.refused?.length) void vscode.window.showErrorMessage(`CodeCompanion: refused: ${outcome.refused.map((r) => r.reason).join('; ')}`);
  return outcome;
}

/** The per-file confirmation: modal, naming the file and the rule, with the file's name on the button. */
async function confirmSensitiveFile(file: SensitiveFile): Promise<boolean> {
  const button = `Apply ${file.path}`;
  const choice = await vscode.window.showWarningMessage(
    `Apply the change to ${file.path}? It matches the sensitive path rule '${file.rule}': files like it can run commands or hold secrets, so CodeCompanion applies them only when you confirm each one.`,
    { modal: true },
    button,
  );
  return choice === button;
}

export async function rejectCommand(c: Companion, scope: 'all' | 'file' | 'hunk', args: readonly unknown[]) {
  const t = scope === 'all' ? {} : parseTarget(fromEditorTitle(c, args, { askReason: true }));
  let reason = t.reason;
  if (reason === undefined && t.askReason) {
    reason = await vscode.window.showInputBox({ title: 'Why reject? (optional)', prompt: 'Your reason goes back to the agent that wrote the change.', placeHolder: 'e.g. keep the old error message' });
    if (reason === undefined) return undefined; // Escape: nothing rejected
  }
  const patches = [...new Set(c.review.state ? selectHunks(c.review.state, hunkTarget(t)).map((r) => r.patch) : [])];
  const outcome = await c.review.reject(hunkTarget(t), reason);
  // a person who said why is offered to send it back right away; a caller with arguments decides itself
  if (t.askReason && reason?.trim() && patches.length === 1 && outcome.rejected > 0) void offerSendBack(patches[0]!);
  return outcome;
}

async function offerSendBack(patch: ReviewPatch): Promise<void> {
  const button = `Send back to ${patch.provider}/${patch.model}`;
  const choice = await vscode.window.showInformationMessage(`CodeCompanion: rejected. Send your reason to the agent that wrote "${patch.taskTitle}"? It writes a new patch for review.`, button);
  if (choice === button) await vscode.commands.executeCommand('codecompanion.sendBack', { patchId: patch.patchId, interactive: true });
}

export async function reviewFileCommand(c: Companion, args: readonly unknown[]): Promise<void> {
  const t = parseTarget(args);
  const state = c.review.state;
  if (!state) throw new Error('there is nothing to review: run an objective first');
  // from the palette with a reviewed file in front: that file (the review of every file otherwise)
  const active = vscode.window.activeTextEditor;
  const here = args.length === 0 && active ? reviewPath(c, active.document.uri) : undefined;
  const target = here && c.review.pendingIn(here).length ? { file: here } : hunkTarget(t);
  const refs = selectHunks(state, target, ['pending', 'accepted', 'rejected', 'conflict']);
  const files = [...new Map(refs.map((r) => [r.file.path, r.file])).values()];
  for (const f of files.slice(0, 5)) await openProposedDiff(c.root, f.path, f.action);
}

export async function rollbackCommand(c: Companion, arg: unknown): Promise<{ reverted: number; conflicts: number }> {
  const runId = typeof arg === 'string' ? arg : typeof (arg as { runId?: unknown } | undefined)?.runId === 'string' ? (arg as { runId: string }).runId : undefined;
  const result = await c.review.rollback(runId);
  const message = `CodeCompanion: rolled back ${result.reverted} change(s).`;
  if (result.conflicts.length) void vscode.window.showWarningMessage(`${message} ${result.conflicts.length} were edited since and left as they are: ${result.conflicts.map((x) => x.path).join(', ')}`);
  else void vscode.window.showInformationMessage(message);
  return { reverted: result.reverted, conflicts: result.conflicts.length };
}

export function reviewStateCommand(c: Companion) {
  const state = c.review.state;
  return state ? { ...reviewSummary(state), checkpoints: c.review.checkpoints().map((cp) => ({ runId: cp.runId, entries: cp.entries.length })) } : null;
}

const ReviewRunArgs = z.object({ runId: z.string().min(1).optional() });

/**
 * Goes back to an earlier run's proposals: its accepted patches that no decision has touched yet
 * become the review (replacing the current one). Without a run id, the user picks among the runs
 * that still have such patches.
 */
export async function reviewRunCommand(c: Companion, arg: unknown): Promise<{ runId: string; patches: number } | undefined> {
  const parsed = ReviewRunArgs.safeParse(arg ?? {});
  if (!parsed.success) throw new Error(`codecompanion.reviewRun takes { runId?: string }: ${parsed.error.issues[0]?.message}`);
  await c.runs.summaries();
  let runId = parsed.data.runId;
  if (!runId) {
    const candidates: (vscode.QuickPickItem & { runId: string })[] = [];
    for (const r of c.runs.runList().filter((x) => x.status === 'completed').slice(0, 20)) {
      const waiting = Object.values((await c.runs.state(r.runId)).patches).filter((p) => p.status === 'accepted').length;
      if (waiting) candidates.push({ label: r.objective, description: `${waiting} patch(es) to review · ${new Date(r.updatedAt).toLocaleString()}`, runId: r.runId });
    }
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage('CodeCompanion: no run has patches waiting for review.');
      return undefined;
    }
    runId = (await vscode.window.showQuickPick(candidates, { title: 'CodeCompanion: review which run?' }))?.runId;
    if (!runId) return undefined;
  }
  const run = await c.runs.state(runId);
  if (!run.options) throw new Error(`there is no run ${runId} in this workspace`);
  if (run.status !== 'completed') throw new Error(`run ${runId} is ${run.status}: only a completed run's patches can be reviewed`);
  const state = await c.review.load(run);
  await c.runs.select(runId);
  if (arg === undefined && state.patches.length) await vscode.commands.executeCommand('codecompanion.reviewFile', { patchId: state.patches[0]!.patchId });
  return { runId, patches: state.patches.length };
}
