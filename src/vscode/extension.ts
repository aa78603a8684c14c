// The editor adapter's entry. Activation stays cheap: everything heavy loads on first use.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('codecompanion.runObjective', async () => {
      await vscode.window.showInformationMessage('CodeCompanion: the engine is not wired into the editor yet.');
    }),
  );
}

export function deactivate(): void {}
