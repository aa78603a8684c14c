// Settings as the editor reads them: settings.json parsed through the one schema, a bad value named
// in a warning. No engine here (the models are assembled in editorModels.ts).
import * as vscode from 'vscode';
import { envPricingProblem, invalidSettings, readSettings, type EditorSettings } from '../app/editorSettings';

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
  const envPrices = envPricingProblem(process.env);
  if (envPrices) void vscode.window.showWarningMessage(`CodeCompanion: ${envPrices}.`);
  if (invalid.length === 0) return;
  const first = invalid[0]!;
  const more = invalid.length > 1 ? ` (and ${invalid.length - 1} more: ${[...new Set(invalid.slice(1).map((i) => i.key))].join(', ')})` : '';
  void vscode.window.showWarningMessage(`CodeCompanion: the setting ${first.key} is invalid (${first.reason}); its default is used${more}.`, 'Open Settings').then((choice) => {
    if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', first.key);
  });
}
