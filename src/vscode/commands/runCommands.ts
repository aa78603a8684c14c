// Run Objective (after its prompt), Resume, Show Run, the dashboard and settings.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { recordingBeside, recordingSettings } from '../onboarding/recording';
import { currentSettings } from '../settings';
import { z } from 'zod';
import { presetCandidates, type EditorSettings } from '../../app/editorSettings';
import { rememberedRunSettings, rememberObjective } from './objectivePrompt';
import type { Models } from '../../app/engine';
import type { Companion } from '../companion';
import { DASHBOARD_VIEW } from '../views/dashboardView';
import { RunPanel, type PanelShown } from '../views/runPanel';
import type { RunResult } from '../runController';
import type { RunGiven } from '../../core/agents/runGiven';

const RunArgs = z.object({ objective: z.string().trim().min(1), budgetUsd: z.number().nonnegative().optional(), apply: z.boolean().optional() });

export async function runObjectiveCommand(c: Companion, arg: unknown): Promise<RunResult | undefined> {
  const parsed = RunArgs.safeParse(arg);
  if (!parsed.success) throw new Error(`codecompanion.runObjective takes { objective: string, budgetUsd?: number, apply?: boolean }: ${parsed.error.issues[0]?.message}`);
  await rememberObjective(c.context.workspaceState, parsed.data.objective);
  return withProgress(c, parsed.data.objective, (token) => c.runs.run({ objective: parsed.data.objective, ...(parsed.data.budgetUsd !== undefined ? { budgetUsd: parsed.data.budgetUsd } : {}), ...(parsed.data.apply !== undefined ? { apply: parsed.data.apply } : {}), interactive: false, settings: recordedSettings(c) }, token));
}

/** codecompanion.replaySession set to a recording with its sample.json beside it: the recording's settings. */
function recordedSettings(c: Companion): Partial<EditorSettings> {
  const replay = currentSettings().replaySession.trim();
  if (!replay) return {};
  const file = path.resolve(c.root, replay);
  const recording = recordingBeside(file);
  return recording ? recordingSettings(recording, file) : {};
}

/** The objective a person typed, with the budget and preset remembered for this workspace. */
export async function runInteractive(c: Companion, objective: string, settings: Partial<EditorSettings> = {}, given?: RunGiven): Promise<RunResult | undefined> {
  const overrides = { ...recordedSettings(c), ...settings };
  const remembered = rememberedRunSettings(c.context.workspaceState);
  await rememberObjective(c.context.workspaceState, objective);
  const narrow = (m: Models): Models => ({ ...m, candidates: presetCandidates(m.candidates, m.prices, remembered.preset) });
  const budget = overrides.budgetUsd !== undefined ? { budgetUsd: overrides.budgetUsd } : remembered.budgetUsd !== undefined ? { budgetUsd: remembered.budgetUsd } : {};
  return withProgress(c, objective, (token) => c.runs.run({ objective, ...budget, interactive: true, preset: narrow, settings: overrides, ...(given ? { given } : {}) }, token));
}

const ResumeArgs = z.object({ runId: z.string().min(1).optional(), interactive: z.boolean().optional() });

/** Continues a run that stopped without ending; without a run id, the user picks one (or the only one). */
export async function resumeRunCommand(c: Companion, arg: unknown): Promise<RunResult | undefined> {
  const parsed = ResumeArgs.safeParse(arg ?? {});
  if (!parsed.success) throw new Error(`codecompanion.resumeRun takes { runId?: string }: ${parsed.error.issues[0]?.message}`);
  await c.runs.summaries();
  let runId = parsed.data.runId;
  if (!runId) {
    const candidates = c.runs.interrupted();
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage('CodeCompanion: no run was interrupted in this workspace.');
      return undefined;
    }
    const pick =
      candidates.length === 1
        ? candidates[0]
        : (await vscode.window.showQuickPick(candidates.map((r) => ({ label: r.objective, description: `${r.eventCount} events · ${new Date(r.updatedAt).toLocaleString()}`, run: r })), { title: 'CodeCompanion: resume which run?' }))?.run;
    if (!pick) return undefined;
    runId = pick.runId;
  }
  const objective = c.runs.runList().find((r) => r.runId === runId)?.objective ?? runId;
  return withProgress(c, `resuming ${objective}`, (token) => c.runs.resume({ runId: runId!, interactive: parsed.data.interactive ?? arg === undefined }, token));
}

/** After a window closed mid-run: offer to finish the newest interrupted run (unless another process is running it). */
export async function offerResume(c: Companion): Promise<void> {
  await c.runs.summaries();
  const [latest] = c.runs.interrupted();
  if (!latest || c.runs.isRunning) return;
  if (c.store.writerElsewhere()) return; // a CLI or another window is writing: probably running it
  const choice = await vscode.window.showInformationMessage(`CodeCompanion: the run "${latest.objective.slice(0, 60)}" stopped before it finished. Resume it? Calls that finished are not paid for again.`, 'Resume', 'Show Run');
  if (choice === 'Resume') await vscode.commands.executeCommand('codecompanion.resumeRun', { runId: latest.runId, interactive: true });
  else if (choice === 'Show Run') await vscode.commands.executeCommand('codecompanion.showRun', latest.runId);
}

export function withProgress<T extends RunResult>(c: Companion, objective: string, run: (token: vscode.CancellationToken) => Promise<T>): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `CodeCompanion: ${objective.slice(0, 60)}`, cancellable: true }, async (progress, token) => {
      const sub = c.runs.onDidChange(() => {
        const s = c.runs.current;
        if (!s) return;
        const agents = Object.values(s.calls).filter((x) => x.status === 'running');
        progress.report({ message: agents.length ? agents.map((a) => `${a.role} ${a.taskId}`).join(', ') : s.status });
      });
      try {
        const result = await run(token);
        if (result.status === 'failed') void vscode.window.showErrorMessage(`CodeCompanion: the run failed: ${c.runs.current?.error?.message ?? 'see the log'}`, 'Show Run').then((x) => x && vscode.commands.executeCommand('codecompanion.showRun', result.runId));
        return result;
      } finally {
        sub.dispose();
      }
    }),
  );
}

/** Resolves once the run panel has drawn the run's event log (what it shows), or undefined when no run was picked. */
export async function showRunCommand(c: Companion, arg: unknown): Promise<PanelShown | undefined> {
  let runId = typeof arg === 'string' ? arg : (arg as { runId?: unknown } | undefined)?.runId;
  if (typeof runId !== 'string') {
    // the user will pick among runs: the run panel's webview is made now, behind the list, while the
    // runs are read and the user chooses (with runs already listed in this window, before even that)
    let early = c.runs.runList().length > 1 ? RunPanel.prepare(c.context.extensionUri, c.runs, c.log) : undefined;
    await c.runs.summaries();
    const runs = await c.runs.allRuns();
    if (runs.length === 0) {
      early?.cancel();
      void vscode.window.showInformationMessage('CodeCompanion: no runs in this workspace yet. Run an objective first.');
      return undefined;
    }
    if (runs.length === 1) runId = runs[0]!.runId;
    else {
      const picking = vscode.window.showQuickPick(runs.map((r) => ({ label: r.objective, description: `${r.status} · ${r.eventCount} events`, detail: r.runId })), { title: 'CodeCompanion: Show Run' });
      early ??= RunPanel.prepare(c.context.extensionUri, c.runs, c.log);
      runId = (await picking)?.detail;
      if (typeof runId !== 'string') early.cancel();
    }
  } else await c.runs.summaries();
  if (typeof runId !== 'string') return undefined;
  const panel = await RunPanel.show(c.context.extensionUri, c.runs, c.log, runId);
  return panel.shown();
}

export async function showDashboardCommand(): Promise<void> {
  await vscode.commands.executeCommand(`${DASHBOARD_VIEW}.focus`);
}

export async function openSettingsCommand(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:codecompanion.codecompanion');
}

/** Follow Up a Run: the run given ({ runId } or its id), else one picked among the finished runs; then the box. */
export async function followUpRunCommand(c: Companion, arg: unknown, followUp: (runId: string) => Promise<void>): Promise<void> {
  let runId = typeof arg === 'string' ? arg : (arg as { runId?: unknown } | undefined)?.runId;
  if (typeof runId !== 'string') {
    await c.runs.history();
    const finished = c.runs.runList().filter((r) => r.status === 'completed' || r.status === 'failed' || r.status === 'cancelled');
    if (finished.length === 0) {
      void vscode.window.showInformationMessage('CodeCompanion: no finished run to follow up yet. Run an objective first.');
      return;
    }
    runId = (await vscode.window.showQuickPick(finished.map((r) => ({ label: r.objective.slice(0, 200), description: `${r.status} · ${new Date(r.updatedAt).toLocaleString()}`, detail: r.runId })), { title: 'CodeCompanion: follow up which run?' }))?.detail;
  }
  if (typeof runId === 'string') await followUp(runId);
}
