// Settings and models as the editor reads them: settings.json parsed through the one schema, keys
// from SecretStorage (the environment as a fallback, as the CLI reads it), vscode.lm when wanted.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadModels, type Models } from '../app/engine';
import { candidatesFrom, invalidSettings, providerConfigFrom, readSettings, type EditorSettings } from '../app/editorSettings';
import { ENV_KEYS } from '../providers/config';
import { languageModelCandidates, LanguageModelClient, lmPriceBook, LM_PROVIDER } from './lmProvider';
import type { ApiKeys } from './secrets';

export function currentSettings(): EditorSettings {
  const config = vscode.workspace.getConfiguration('codecompanion');
  warnAboutInvalidSettings((key) => config.get(key));
  return readSettings((key) => config.get(key));
}

let lastWarned = '';

/** Names each setting that fell back to its default, once per distinct set of problems, with a way to fix it. */
function warnAboutInvalidSettings(get: (key: string) => unknown): void {
  const invalid = invalidSettings(get);
  const signature = JSON.stringify(invalid);
  if (signature === lastWarned) return;
  lastWarned = signature;
  if (invalid.length === 0) return;
  const first = invalid[0]!;
  const more = invalid.length > 1 ? ` (and ${invalid.length - 1} more: ${[...new Set(invalid.slice(1).map((i) => i.key))].join(', ')})` : '';
  void vscode.window.showWarningMessage(`CodeCompanion: the setting ${first.key} is invalid (${first.reason}); its default is used${more}.`, 'Open Settings').then((choice) => {
    if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', first.key);
  });
}

export async function editorModels(settings: EditorSettings, keys: ApiKeys, root: string): Promise<Models> {
  const replay = settings.replaySession.trim() ? path.resolve(root, settings.replaySession.trim()) : undefined;
  const config = providerConfigFrom(settings, await keys.all(), process.env, ENV_KEYS);
  let extra;
  if (!replay && settings.languageModels !== 'off' && (settings.languageModels === 'always' || Object.keys(config.providers).length === 0)) {
    const candidates = await languageModelCandidates();
    if (candidates.length) extra = { provider: LM_PROVIDER, client: new LanguageModelClient(), candidates, prices: lmPriceBook } as const;
  }
  return loadModels({
    config,
    ...(replay ? { replay } : {}),
    candidates: candidatesFrom(settings),
    ...(extra ? { extra } : {}),
    noProviderHint: 'no model provider is configured: run "CodeCompanion: Set API Key", sign in to a VS Code language model (e.g. GitHub Copilot), or set codecompanion.replaySession to a recorded session',
  });
}
