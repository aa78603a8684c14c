// Send Back: what the user rejected in a patch, with their reasons, goes to the agent that wrote it
// (reviseTask through the RunController: progress, cancel, dashboard as for a run), and the new
// patch comes back into the review, pending.
import * as vscode from 'vscode';
import { z } from 'zod';
import { revisionReasons, sendBackCandidates } from '../../app/review/sendBack';
import type { ReviewPatch } from '../../app/review/reviewState';
import type { Companion } from '../companion';
import type { ReviseResult } from '../runController';
import { withProgress } from './runCommands';

const Args = z.object({ runId: z.string().optional(), patchId: z.string().optional(), budgetUsd: z.number().nonnegative().optional(), interactive: z.boolean().optional() });

/** `{ runId?, patchId?, budgetUsd? }` resolves to `{ runId, status, patchId }`; without arguments it asks. */
export async function sendBackCommand(c: Companion, arg: unknown): Promise<ReviseResult | undefined> {
  const parsed = Args.safeParse(arg ?? { interactive: true });
  if (!parsed.success) throw new Error(`codecompanion.sendBack takes { runId?, patchId?, budgetUsd? }: ${parsed.error.issues[0]?.message}`);
  const args = parsed.data;
  const interactive = args.interactive === true;
  const state = c.review.state;
  if (!state) throw new Error('there is nothing to send back: run an objective and reject a change in review first');
  if (args.runId !== undefined && args.runId !== state.runId) throw new Error(`the review shows run ${state.runId}, not ${args.runId}: open that run's review first`);
  const patch = args.patchId !== undefined ? state.patches.find((p) => p.patchId === args.patchId) : await pick(sendBackCandidates(state), interactive);
  if (args.patchId !== undefined && !patch) throw new Error(`the review of ${state.runId} has no patch ${args.patchId}`);
  if (!patch) return undefined;
  const reasons = revisionReasons(patch);
  if (reasons.length === 0) throw new Error(`nothing of ${patch.patchId} is rejected: reject the hunks you want changed (with a reason) first`);
  const budgetUsd = args.budgetUsd;
  return withProgress(c, `revising "${patch.taskTitle}" (${patch.provider}/${patch.model})`, (token) =>
    c.runs.revise({ runId: state.runId, patchId: patch.patchId, reasons, ...(budgetUsd !== undefined ? { budgetUsd } : {}), interactive }, token),
  );
}

async function pick(candidates: readonly ReviewPatch[], interactive: boolean): Promise<ReviewPatch | undefined> {
  if (candidates.length === 0) {
    if (!interactive) throw new Error('nothing in the review is rejected: reject the hunks you want changed (with a reason) first');
    void vscode.window.showInformationMessage('CodeCompanion: nothing in the review is rejected. Reject the hunks you want changed (you can say why), then send them back.');
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  if (!interactive) throw new Error(`several patches have rejected hunks (${candidates.map((p) => p.patchId).join(', ')}): say which with { patchId }`);
  const chosen = await vscode.window.showQuickPick(
    candidates.map((p) => ({ label: p.taskTitle, description: `${p.patchId} · ${p.provider}/${p.model}`, detail: revisionReasons(p).join(' · ').slice(0, 200), patch: p })),
    { title: 'CodeCompanion: send which patch back to its author?' },
  );
  return chosen?.patch;
}
