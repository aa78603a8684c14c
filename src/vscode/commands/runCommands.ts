// Run Objective, Cancel Run, Show Run, the dashboard, settings and API keys.
import * as vscode from 'vscode';
import { z } from 'zod';
import { presetCandidates, type ModelPreset } from '../../app/editorSettings';
import { SDK_PROVIDERS } from '../../providers/config';
import type { Models } from '../../app/engine';
import type { Companion } from '../companion';
import { isSdkProvider } from '../secrets';
import { DASHBOARD_VIEW } from '../views/dashboardView';
import { RunPanel } from '../views/runPanel';
import type { RunResult } from '../runController';

const RECENT_KEY = 'codecompanion.recentObjectives';

const RunArgs = z.object({ objective: z.string().trim().min(1), budgetUsd: z.number().nonnegative().optional(), apply: z.boolean().optional() });
const KeyArgs = z.object({ provider: z.string(), key: z.string().min(1) });

export async function runObjectiveCommand(c: Companion, arg: unknown): Promise<RunResult | undefined> {
  if (arg !== undefined) {
    const parsed = RunArgs.safeParse(arg);
    if (!parsed.success) throw new Error(`codecompanion.runObjective takes { objective: string, budgetUsd?: number, apply?: boolean }: ${parsed.error.issues[0]?.message}`);
    await remember(c, parsed.data.objective);
    return withProgress(c, parsed.data.objective, (token) => c.runs.run({ objective: parsed.data.objective, ...(parsed.data.budgetUsd !== undefined ? { budgetUsd: parsed.data.budgetUsd } : {}), ...(parsed.data.apply !== undefined ? { apply: parsed.data.apply } : {}), interactive: false }, token));
  }
  const objective = await askObjective(c);
  if (!objective) return undefined;
  const budget = await vscode.window.showInputBox({
    title: 'CodeCompanion: budget for this run (USD)',
    prompt: 'The run stops (or asks) before spending more. Empty: the codecompanion.budgetUsd setting.',
    placeHolder: 'e.g. 0.50',
    validateInput: (v) => (v.trim() === '' || (Number.isFinite(Number(v.replace(/^\$/, ''))) && Number(v.replace(/^\$/, '')) >= 0) ? undefined : 'an amount in USD, e.g. 0.50'),
  });
  if (budget === undefined) return undefined;
  const presets: (vscode.QuickPickItem & { preset: ModelPreset })[] = [
    { label: '$(symbol-misc) Balanced', description: 'the router picks among every configured model', preset: 'balanced' },
    { label: '$(dashboard) Economy', description: 'the cheaper half of the models', preset: 'economy' },
    { label: '$(star) Quality', description: 'the stronger (dearer) half of the models', preset: 'quality' },
  ];
  const preset = await vscode.window.showQuickPick(presets, { title: 'CodeCompanion: model preset' });
  if (!preset) return undefined;
  await remember(c, objective);
  const narrow = (m: Models): Models => ({ ...m, candidates: presetCandidates(m.candidates, m.prices, preset.preset) });
  return withProgress(c, objective, (token) => c.runs.run({ objective, ...(budget.trim() ? { budgetUsd: Number(budget.replace(/^\$/, '')) } : {}), interactive: true, preset: narrow }, token));
}

const ResumeArgs = z.object({ runId: z.string().min(1).optional(), interactive: z.boolean().optional() });

/** Continues a run that stopped without ending; without a run id, the user picks one (or the only one). */
export async function resumeRunCommand(c: Companion, arg: unknown): Promise<RunResult | undefined> {
  const parsed = ResumeArgs.safeParse(arg ?? {});
  if (!parsed.success) throw new Error(`codecompanion.resumeRun takes { runId?: string }: ${parsed.error.issues[0]?.message}`);
  await c.runs.history();
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
  await c.runs.history();
  const [latest] = c.runs.interrupted();
  if (!latest || c.runs.isRunning) return;
  if (c.store.writerElsewhere()) return; // a CLI or another window is writing: probably running it
  const choice = await vscode.window.showInformationMessage(`CodeCompanion: the run "${latest.objective.slice(0, 60)}" stopped before it finished. Resume it? Calls that finished are not paid for again.`, 'Resume', 'Show Run');
  if (choice === 'Resume') await vscode.commands.executeCommand('codecompanion.resumeRun', { runId: latest.runId, interactive: true });
  else if (choice === 'Show Run') await vscode.commands.executeCommand('codecompanion.showRun', latest.runId);
}

async function askObjective(c: Companion): Promise<string | undefined> {
  const recent = c.context.workspaceState.get<string[]>(RECENT_KEY) ?? [];
  const pick = vscode.window.createQuickPick();
  pick.title = 'CodeCompanion: Run Objective';
  pick.placeholder = 'What should the agents do? e.g. add pagination to the users API';
  pick.items = recent.map((label) => ({ label, description: 'recent' }));
  return new Promise((resolve) => {
    pick.onDidAccept(() => {
      resolve((pick.selectedItems[0]?.label ?? pick.value).trim() || undefined);
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}

async function remember(c: Companion, objective: string): Promise<void> {
  const recent = c.context.workspaceState.get<string[]>(RECENT_KEY) ?? [];
  await c.context.workspaceState.update(RECENT_KEY, [objective, ...recent.filter((o) => o !== objective)].slice(0, 10));
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

export async function setApiKeyCommand(c: Pick<Companion, 'keys' | 'log'>, arg: unknown): Promise<void> {
  if (arg !== undefined) {
    const parsed = KeyArgs.safeParse(arg);
    if (!parsed.success || !isSdkProvider(parsed.data.provider)) throw new Error(`codecompanion.setApiKey takes { provider: ${SDK_PROVIDERS.join(' | ')}, key: string }`);
    await c.keys.set(parsed.data.provider, parsed.data.key);
    c.log.info(`API key stored for ${parsed.data.provider}`);
    return;
  }
  const presence = await c.keys.presence();
  const pick = await vscode.window.showQuickPick(
    presence.map((p) => ({ label: p.provider, description: p.hasKey ? '$(key) key set' : 'no key' })),
    { title: 'CodeCompanion: Set API Key', placeHolder: 'Which provider?' },
  );
  if (!pick || !isSdkProvider(pick.label)) return;
  const key = await vscode.window.showInputBox({ title: `API key for ${pick.label}`, prompt: 'Stored in VS Code SecretStorage, never in settings. Empty: remove the key.', password: true, ignoreFocusOut: true });
  if (key === undefined) return;
  if (key.trim()) await c.keys.set(pick.label, key);
  else await c.keys.delete(pick.label);
  c.log.info(`API key ${key.trim() ? 'stored' : 'removed'} for ${pick.label}`);
  void vscode.window.showInformationMessage(`CodeCompanion: API key for ${pick.label} ${key.trim() ? 'stored' : 'removed'}.`);
}

export async function showRunCommand(c: Companion, arg: unknown): Promise<void> {
  await c.runs.history();
  let runId = typeof arg === 'string' ? arg : (arg as { runId?: unknown } | undefined)?.runId;
  if (typeof runId !== 'string') {
    const runs = c.runs.runList();
    if (runs.length === 0) {
      void vscode.window.showInformationMessage('CodeCompanion: no runs in this workspace yet. Run an objective first.');
      return;
    }
    const pick = runs.length === 1 ? { detail: runs[0]!.runId } : await vscode.window.showQuickPick(runs.map((r) => ({ label: r.objective, description: `${r.status} · ${r.eventCount} events`, detail: r.runId })), { title: 'CodeCompanion: Show Run' });
    runId = pick?.detail;
  }
  if (typeof runId === 'string') RunPanel.show(c.context.extensionUri, c.runs, c.log, runId);
}

export async function showDashboardCommand(): Promise<void> {
  await vscode.commands.executeCommand(`${DASHBOARD_VIEW}.focus`);
}

export async function openSettingsCommand(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:codecompanion.codecompanion');
}
