// No model set up: one message, before any prompt, with the three ways in: an API key, the models
// VS Code already has (vscode.lm, e.g. Copilot), or the recorded sample.
import * as vscode from 'vscode';
import type { Shell } from '../main';
import { modelSetupFrom, setupSettingsFrom, type ModelSetup } from './readiness';

export const SET_KEY = 'Set API Key';
export const USE_VSCODE_MODELS = "Use VS Code's Models";
export const TRY_SAMPLE = 'Try the Sample';

export async function modelSetup(keys: Shell['keys']): Promise<ModelSetup> {
  const config = vscode.workspace.getConfiguration('codecompanion');
  const settings = setupSettingsFrom((key) => config.get(key));
  const stored = await keys.all();
  const withoutLm = modelSetupFrom(settings, stored, process.env, 0);
  if (withoutLm.ready || settings.languageModels === 'off') return withoutLm;
  return modelSetupFrom(settings, stored, process.env, await languageModelCount());
}

async function languageModelCount(): Promise<number> {
  try {
    return (await vscode.lm.selectChatModels()).length;
  } catch {
    return 0;
  }
}

export async function offerOnboarding(shell: Shell): Promise<void> {
  const choice = await vscode.window.showWarningMessage(
    'CodeCompanion: no model is set up yet. Set an API key (Anthropic, OpenAI, Gemini or a local server), use the models VS Code already has (e.g. GitHub Copilot), or try the recorded sample first: it runs the whole pipeline with no key and no network.',
    SET_KEY,
    USE_VSCODE_MODELS,
    TRY_SAMPLE,
  );
  if (choice === SET_KEY) await vscode.commands.executeCommand('codecompanion.setApiKey');
  else if (choice === USE_VSCODE_MODELS) await useVsCodeModels(shell);
  else if (choice === TRY_SAMPLE) await vscode.commands.executeCommand('codecompanion.trySample');
}

/** Turns vscode.lm on (if it was off) when a model is there; otherwise says how to get one. */
export async function useVsCodeModels(shell: Shell): Promise<void> {
  const count = await languageModelCount();
  if (count === 0) {
    const choice = await vscode.window.showWarningMessage('CodeCompanion: VS Code has no language model to offer yet. Install and sign in to one (e.g. GitHub Copilot Chat), then run the objective again.', 'Find Models', SET_KEY);
    if (choice === 'Find Models') await vscode.commands.executeCommand('workbench.extensions.search', '@category:"AI" chat');
    else if (choice === SET_KEY) await vscode.commands.executeCommand('codecompanion.setApiKey');
    return;
  }
  const config = vscode.workspace.getConfiguration('codecompanion');
  if (config.get('languageModels') === 'off') await config.update('languageModels', 'fallback', vscode.ConfigurationTarget.Global);
  shell.log.info(`vscode.lm: ${count} model(s) available`);
  await vscode.commands.executeCommand('codecompanion.runObjective');
}
