// The objective prompt: one quick pick, the typed text first and recent objectives below. The
// budget and model preset are remembered per workspace (the sidebar changes them), not asked.
import * as vscode from 'vscode';
import type { ModelPreset } from '../../app/editorSettings';
import { chosenObjective, objectiveItems, type ObjectiveItem } from '../onboarding/objectiveItems';

const RECENT_KEY = 'codecompanion.recentObjectives';
const RUN_SETTINGS_KEY = 'codecompanion.runSettings';

export interface RunSettings {
  /** undefined: the codecompanion.budgetUsd setting; null: no budget. */
  readonly budgetUsd?: number | null;
  readonly preset: ModelPreset;
}

export function rememberedRunSettings(memento: vscode.Memento): RunSettings {
  const raw = memento.get<Partial<RunSettings>>(RUN_SETTINGS_KEY) ?? {};
  const preset = raw.preset === 'economy' || raw.preset === 'quality' ? raw.preset : 'balanced';
  const budget = raw.budgetUsd === null || (typeof raw.budgetUsd === 'number' && raw.budgetUsd >= 0) ? { budgetUsd: raw.budgetUsd } : {};
  return { preset, ...budget };
}

export async function rememberRunSettings(memento: vscode.Memento, settings: RunSettings): Promise<void> {
  await memento.update(RUN_SETTINGS_KEY, settings);
}

export function recentObjectives(memento: vscode.Memento): string[] {
  return memento.get<string[]>(RECENT_KEY) ?? [];
}

export async function rememberObjective(memento: vscode.Memento, objective: string): Promise<void> {
  const recent = recentObjectives(memento);
  await memento.update(RECENT_KEY, [objective, ...recent.filter((o) => o !== objective)].slice(0, 10));
}

export function describeRunSettings(s: RunSettings, defaultBudget: number | null): string {
  const budget = s.budgetUsd === undefined ? defaultBudget : s.budgetUsd;
  return `${budget ? `budget $${budget.toFixed(2)}` : 'no budget'} · ${s.preset} models`;
}

export function askObjective(memento: vscode.Memento, settings: RunSettings, onShown: () => void): Promise<string | undefined> {
  const recent = recentObjectives(memento);
  const defaultBudget = vscode.workspace.getConfiguration('codecompanion').get<number | null>('budgetUsd') ?? null;
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem & ObjectiveItem>();
  pick.title = `CodeCompanion: Run Objective (${describeRunSettings(settings, defaultBudget)}; the gear changes them)`;
  const change: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('gear'), tooltip: 'Change the budget and the model preset' };
  pick.buttons = [change];
  pick.placeholder = 'What should the agents do? e.g. add pagination to the users API';
  pick.matchOnDescription = false;
  const refresh = () => {
    const items = objectiveItems(pick.value, recent);
    pick.items = items;
    // Enter runs what was typed; a recent objective runs only when the user moves to it
    const typed = items.find((i) => i.typed);
    if (typed) pick.activeItems = [typed];
  };
  refresh();
  return new Promise((resolve) => {
    pick.onDidChangeValue(refresh);
    pick.onDidTriggerButton(() => {
      // back to the objective prompt once the settings are set
      pick.hide();
      void changeRunSettings(memento).then(() => vscode.commands.executeCommand('codecompanion.runObjective'));
    });
    pick.onDidAccept(() => {
      resolve(chosenObjective(pick.value, pick.selectedItems[0] ?? pick.activeItems[0]));
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
    onShown();
  });
}

/** Asks the budget, then the preset; remembers both for this workspace. */
export async function changeRunSettings(memento: vscode.Memento): Promise<RunSettings | undefined> {
  const current = rememberedRunSettings(memento);
  const defaultBudget = vscode.workspace.getConfiguration('codecompanion').get<number | null>('budgetUsd') ?? null;
  const budget = await vscode.window.showInputBox({
    title: 'CodeCompanion: budget per run (USD)',
    prompt: 'A run stops (or asks) before spending more. Empty: the codecompanion.budgetUsd setting; 0: no budget.',
    value: current.budgetUsd === undefined ? '' : String(current.budgetUsd ?? 0),
    placeHolder: defaultBudget === null ? 'no budget' : `${defaultBudget}`,
    validateInput: (v) => (v.trim() === '' || (Number.isFinite(Number(v.replace(/^\$/, ''))) && Number(v.replace(/^\$/, '')) >= 0) ? undefined : 'an amount in USD, e.g. 0.50'),
  });
  if (budget === undefined) return undefined;
  const presets: (vscode.QuickPickItem & { preset: ModelPreset })[] = [
    { label: '$(symbol-misc) Balanced', description: 'the router picks among every configured model', preset: 'balanced' },
    { label: '$(dashboard) Economy', description: 'the cheaper half of the models', preset: 'economy' },
    { label: '$(star) Quality', description: 'the stronger (dearer) half of the models', preset: 'quality' },
  ];
  const preset = await vscode.window.showQuickPick(presets.map((p) => ({ ...p, picked: p.preset === current.preset })), { title: 'CodeCompanion: model preset' });
  if (!preset) return undefined;
  const amount = budget.trim() === '' ? undefined : Number(budget.replace(/^\$/, ''));
  const next: RunSettings = { preset: preset.preset, ...(amount === undefined ? {} : { budgetUsd: amount === 0 ? null : amount }) };
  await rememberRunSettings(memento, next);
  return next;
}
