// The workspace CodeCompanion works in: the window's first folder, when it is on this machine's disk.
import * as path from 'node:path';
import * as vscode from 'vscode';

export function workspaceRoot(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.scheme === 'file' ? path.resolve(folder.uri.fsPath) : undefined;
}
